"""The plan as a pull-request comment: summary per database, hazards highlighted, the graph of
what changes (Mermaid), each database's changes and SQL in collapsible blocks.

The first lines are hidden markers, so a CI job can find and update its previous comment
instead of adding a new one (the second line tells topologies and environments apart).
"""

from __future__ import annotations

import re

from vtopo.graph import plan_graph
from vtopo.graph.mermaid import render_mermaid
from vtopo.plan.model import Plan
from vtopo.catalog.changes import Action

from .text import counted, not_managed_lines, rebalance_lines, summary_line

# Lets a CI job find and update its previous comment instead of adding a new one.
COMMENT_MARKER = "<!-- vtopo-plan -->"
# GitHub refuses comments over 65,536 characters; past this, SQL and graph give way.
MAX_COMMENT_CHARS = 60_000


def comment_id(plan: Plan) -> str:
    """The second marker line: which topology and environment this comment is about."""
    return f"<!-- vtopo-plan-id: {_safe(plan.topology_name or 'topology')}/{_safe(plan.environment or 'default')} -->"


def _safe(text: str) -> str:
    return text.replace("--", "-").replace(">", "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan) -> str:
    text = _render(plan, sql=True, graph=True)
    if len(text) > MAX_COMMENT_CHARS:
        text = _render(plan, sql=False, graph=True)
    if len(text) > MAX_COMMENT_CHARS:
        text = _render(plan, sql=False, graph=False)
    return text


def _render(plan: Plan, *, sql: bool, graph: bool) -> str:
    environment = f" ({plan.environment})" if plan.environment else ""
    title = f"vtopo plan{f' — {plan.topology_name}' if plan.topology_name else ''}{environment}"
    lines = [COMMENT_MARKER, comment_id(plan), f"### {title}", ""]
    if plan.targets:
        lines += [
            "> [!WARNING]",
            f"> **Resource targeting is in effect:** this plan covers only {', '.join(f'`{t}`' for t in plan.targets)};"
            " other changes the topology asks for are not shown.",
            "",
        ]
    lines += [f"> {_cell(note)}" for note in plan.notes] + ([""] if plan.notes else [])
    unmanaged = not_managed_lines(plan)
    if unmanaged:
        lines += [f"Not managed (not created by vtopo, not in the topology; left alone): {', '.join(f'`{_cell(item)}`' for item in unmanaged)}", ""]
    if plan.is_empty:
        lines += ["**No changes.** The databases match the topology.", ""]
        return "\n".join(lines)
    lines += [f"**{summary_line(plan)}**", ""]
    lines += _summary_table(plan)
    lines += _hazards(plan)
    if graph:
        lines += ["<details open><summary>Graph of what changes</summary>", "", "```mermaid"]
        lines += render_mermaid(plan_graph(plan)).rstrip("\n").splitlines()
        lines += ["```", "", "</details>", ""]
    moves = rebalance_lines(plan)
    if moves:
        lines += ["```", *moves, "```", ""]
    for database in plan.databases:
        lines += _database_section(plan, database, sql)
    if not sql:
        lines += ["_SQL omitted to keep this comment within the size limit: `vtopo plan --out plan.json` keeps all of it._", ""]
    return "\n".join(lines)


def _summary_table(plan: Plan) -> list[str]:
    lines = ["| database | create | update | replace | delete | hazards |", "|---|---:|---:|---:|---:|---|"]
    for database in plan.databases:
        changes = plan.changes_in(database)
        if not changes:
            continue
        counts = {action: sum(1 for c in changes if c.action is action) for action in Action}
        hazards = sum(len(c.hazards) for c in changes)
        blocking = sum(1 for c in changes for h in c.hazards if h.blocking)
        role = " (primary)" if database == plan.primary else ""
        flag = f"⛔ {hazards}" if blocking else (f"⚠️ {hazards}" if hazards else "")
        lines.append(
            f"| `{database}`{role} | {counts[Action.create]} | {counts[Action.update]} | "
            f"{counts[Action.replace]} | {counts[Action.delete]} | {flag} |"
        )
    return lines + [""]


def _hazards(plan: Plan) -> list[str]:
    """Blocking hazards as a CAUTION alert, the others as a WARNING: reviewers must not miss them."""
    lines: list[str] = []
    blocking = plan.blocking_hazards
    if blocking:
        lines += ["> [!CAUTION]", "> These changes destroy data; apply refuses them without `--allow-destroy`:"]
        lines += [f"> - `{c.database}`: {_cell(h.message)}" for c, h in blocking]
        lines.append("")
    others = [(c, h) for c in plan.changes for h in c.hazards if not h.blocking]
    if others:
        lines += ["> [!WARNING]", "> Review before applying:"]
        lines += [f"> - `{c.database}` {c.kind.value} `{_cell(c.name)}`: {_cell(h.message)}" for c, h in others]
        lines.append("")
    return lines


def _database_section(plan: Plan, database: str, sql: bool) -> list[str]:
    changes = plan.changes_in(database)
    if not changes:
        return []
    lines = [f"#### `{database}`", "", "| | kind | name | details |", "|---|---|---|---|"]
    for change in changes:
        reason = [change.reason] if change.reason and change.action is not Action.create else []
        details = "; ".join(reason + [f"⚠️ {h.message}" for h in change.hazards])
        lines.append(f"| `{change.action.symbol}` | {change.kind.value} | `{_cell(change.name)}` | {_cell(details)} |")
    lines.append("")
    if sql:
        statements = [s.sql for step in plan.steps if step.database == database for s in step.statements]
        fence = _fence(statements)
        lines += [f"<details><summary>SQL for {database} ({counted(len(statements), 'statement')})</summary>", "", f"{fence}sql"]
        lines += statements
        lines += [fence, "", "</details>", ""]
    return lines


def _fence(texts: list[str]) -> str:
    """A code fence longer than any run of backticks inside (a literal could hold some)."""
    runs = [len(run) for text in texts for run in re.findall(r"`+", text)]
    return "`" * max(3, max(runs, default=0) + 1)
