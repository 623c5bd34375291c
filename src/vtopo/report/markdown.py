"""The plan as Markdown for a pull-request comment (SQL in collapsible blocks)."""

from __future__ import annotations

from vtopo.plan.model import Plan

from .text import summary_line

# Lets a CI job find and update its previous comment instead of adding a new one.
COMMENT_MARKER = "<!-- vtopo-plan -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan) -> str:
    title = f"vtopo plan{f' — {plan.topology_name}' if plan.topology_name else ''}"
    lines = [COMMENT_MARKER, f"### {title}", ""]
    if plan.targets:
        lines += [f"> ⚠️ Targeting only: {', '.join(plan.targets)}", ""]
    lines += [f"> {_cell(note)}" for note in plan.notes] + ([""] if plan.notes else [])
    if plan.is_empty:
        lines += ["**No changes.** The databases match the topology.", ""]
        return "\n".join(lines)
    lines += [f"**{summary_line(plan)}**", ""]
    lines += ["| database | create | update | replace | delete | hazards |", "|---|---:|---:|---:|---:|---|"]
    for database in plan.databases:
        changes = plan.changes_in(database)
        if not changes:
            continue
        counts = {a: sum(1 for c in changes if c.action.value == a) for a in ("create", "update", "replace", "delete")}
        hazards = sum(len(c.hazards) for c in changes)
        role = " (primary)" if database == plan.primary else ""
        lines.append(
            f"| `{database}`{role} | {counts['create']} | {counts['update']} | {counts['replace']} | {counts['delete']} | {hazards or ''} |"
        )
    lines.append("")
    blocking = [(c, h) for c, h in plan.blocking_hazards]
    if blocking:
        lines += ["> [!CAUTION]", "> These changes destroy data; apply refuses them without `--allow-destroy`:"]
        lines += [f"> - `{c.database}`: {_cell(h.message)}" for c, h in blocking]
        lines.append("")
    for database in plan.databases:
        changes = plan.changes_in(database)
        if not changes:
            continue
        lines += [f"#### `{database}`", "", "| | kind | name | details |", "|---|---|---|---|"]
        for change in changes:
            details = "; ".join([change.reason] * bool(change.reason and change.action.value != "create") + [f"⚠️ {h.message}" for h in change.hazards])
            lines.append(f"| `{change.action.symbol}` | {change.kind.value} | `{_cell(change.name)}` | {_cell(details)} |")
        sql = [s.sql for step in plan.steps if step.database == database for s in step.statements]
        lines += ["", f"<details><summary>SQL for {database} ({len(sql)} statements)</summary>", "", "```sql"]
        lines += [statement for statement in sql]
        lines += ["```", "", "</details>", ""]
    return "\n".join(lines)
