"""The plan as a Terraform-like listing, grouped by database (rich renderables)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from vtopo.plan.model import Plan
from vtopo.shards.placement import flows as bucket_flows
from vtopo.catalog.changes import Action, Change

STYLE = {Action.create: "green", Action.update: "yellow", Action.replace: "magenta", Action.delete: "red"}


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 statement`, `2 statements`: the count with its noun in the right number."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def indented(text: str, prefix: str) -> str:
    """Every line of text behind prefix (a CREATE TABLE spans several)."""
    return "\n".join(prefix + line for line in text.splitlines())


def not_managed_lines(plan: Plan) -> list[str]:
    """Once per plan: the tables vtopo found and leaves alone."""
    return [f"{kind} {name} in {database}" for database, kind, name in plan.not_managed]


def summary_line(plan: Plan) -> str:
    counts = plan.summary()
    moving = sum(len(r["moves"]) for r in plan.rebalances)
    moves = f" {counted(moving, 'bucket')} to move." if plan.rebalances else ""
    return (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['delete']} to delete.{moves}"
    )


def rebalance_lines(plan: Plan) -> list[str]:
    """Per sharded collection: which buckets move where, about how many rows, what is let go."""
    lines = []
    for rebalance in plan.rebalances:
        flows = bucket_flows(rebalance["moves"])
        lines.append(f"rebalance {rebalance['collection']}: {counted(len(rebalance['moves']), 'bucket')} move, "
                     f"about {counted(rebalance['rows'], 'row')} (copied, flipped on the primary, then deleted where they were)")
        for (source, target), buckets in flows.items():
            lines.append(f"    {source} → {target}: {counted(len(buckets), 'bucket')} ({_ranges(buckets)})")
        for shard, buckets in sorted((rebalance.get("draining") or {}).items()):
            lines.append(f"    {shard}: delete the copies of {counted(len(buckets), 'bucket')} an interrupted move left ({_ranges(buckets)})")
        for shard in rebalance.get("released") or []:
            lines.append(f"    then {shard}'s part of {rebalance['collection']} (emptied) and its wiring are dropped")
    return lines


def _ranges(buckets: list[int]) -> str:
    """0-3, 7, 9-10"""
    parts: list[str] = []
    for bucket in sorted(buckets):
        if parts and parts[-1][1] == bucket - 1:
            parts[-1] = (parts[-1][0], bucket)
        else:
            parts.append((bucket, bucket))
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in parts)


def _change_lines(change: Change, plan: Plan, show_sql: bool) -> list[Text]:
    style = STYLE[change.action]
    line = Text("  ")
    line.append(f"{change.action.symbol:>3} ", style=f"bold {style}")
    line.append(f"{change.kind.value} ", style=style)
    line.append(change.name, style=f"bold {style}")
    lines = [line]
    if change.reason and change.action is not Action.create:
        lines.append(Text(f"        {change.reason}", style="dim"))
    for hazard in change.hazards:
        mark = "✗" if hazard.blocking else "!"
        lines.append(Text(f"      {mark} {hazard.kind.value}: {hazard.message}", style="bold red" if hazard.blocking else "yellow"))
    if show_sql:
        for step in plan.steps:
            if step.change is change:
                for statement in step.statements:
                    lines.append(Text(indented(statement.sql, "        "), style="dim cyan"))
    return lines


def render_text(plan: Plan, *, show_sql: bool = True) -> RenderableType:
    parts: list[RenderableType] = []
    if plan.environment:
        parts.append(Text(f"environment: {plan.environment}", style="dim"))
    if plan.targets:
        parts.append(Text(f"Targeting only: {', '.join(plan.targets)} (the rest of the topology is not planned)", style="yellow"))
    parts.extend(Text(f"note: {note}", style="dim") for note in plan.notes)
    unmanaged = not_managed_lines(plan)
    if unmanaged:
        parts.append(Text("not managed (not created by vtopo, not in the topology; left alone, `vtopo inspect` adopts): "
                          + ", ".join(unmanaged), style="dim"))
    if plan.is_empty:
        parts.append(Text("No changes. The databases match the topology.", style="bold green"))
        return Group(*parts)
    for database in plan.databases:
        changes = plan.changes_in(database)
        if not changes:
            continue
        role = "primary" if database == plan.primary else "secondary"
        parts.append(Text(f"\ndatabase {database} ({role})", style="bold"))
        for change in changes:
            parts.extend(_change_lines(change, plan, show_sql))
    moves = rebalance_lines(plan)
    if moves:
        parts.append(Text(""))
        parts.extend(Text(line, style="yellow") for line in moves)
    parts.append(Text(""))
    parts.append(Text(summary_line(plan), style="bold"))
    blocking = plan.blocking_hazards
    if blocking:
        verb = "destroys" if len(blocking) == 1 else "destroy"
        parts.append(Text(f"{counted(len(blocking), 'change')} {verb} data: apply refuses {'it' if len(blocking) == 1 else 'them'} without --allow-destroy.", style="bold red"))
    return Group(*parts)
