"""`vtopo status`: the last apply per database, from the apply journal on the primary."""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated, Any

import typer

from vtopo import __version__
from vtopo.apply.journal import JOURNAL, JournalEntry, read_last_applies
from vtopo.db.connection import masked_dsn
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stdout

MARKS = {"applied": "✓", "failed": "✗", "partial": "◐", "not started": "-", "running": "…"}


class StatusFormat(str, Enum):
    text = "text"
    json = "json"


def status_document(
    topology_name: str | None, primary: str, databases: list[str], entries: dict[str, JournalEntry] | None
) -> dict[str, Any]:
    return {
        "kind": "vtopo-status",
        "format_version": 1,
        "vtopo_version": __version__,
        "topology": {"name": topology_name, "primary": primary, "databases": databases},
        "journal": {"database": primary, "table": JOURNAL, "present": entries is not None},
        "databases": {db: (entries[db].as_dict() if entries and db in entries else None) for db in databases},
    }


def _line(database: str, entry: JournalEntry | None, width: int) -> list[str]:
    if entry is None:
        return [f"  -  {database:<{width}}  no apply recorded"]
    when = entry.finished_at or entry.updated_at
    status = entry.status
    if status == "running":
        status = "running (or interrupted: no result was recorded)"
    lines = [
        f"  {MARKS.get(entry.status, '?')}  {database:<{width}}  {status}, {len(entry.steps_done)} of "
        f"{entry.steps_planned} step(s) — apply {entry.apply_id} at {when} (vtopo {entry.vtopo_version}, {entry.applied_by})"
    ]
    if entry.failed_step:
        state = ("rolled back" if entry.rolled_back else
                 "the steps before it stay applied" if entry.steps_done else "nothing was applied before it")
        lines.append(f"       failed at {entry.failed_step} ({state}): {entry.error}")
    return lines


def render_status(document: dict[str, Any], dsn_shown: str) -> str:
    primary = document["topology"]["primary"]
    header = f"apply journal: {JOURNAL} in database {primary} ({dsn_shown})"
    if not document["journal"]["present"]:
        return header + "\nNo apply has been recorded yet (vtopo apply writes the journal)."
    width = max(len(db) for db in document["databases"])
    lines = [header]
    for database, entry in document["databases"].items():
        lines += _line(database, JournalEntry(**entry) if entry else None, width)
    return "\n".join(lines)


@app.command()
def status(
    file: TopologyFileOption = None,
    format: Annotated[StatusFormat, typer.Option("--format", help="Output format.")] = StatusFormat.text,
    env: EnvironmentOption = None,
) -> None:
    """Show the last apply per database: applied, failed (which step, why), stopped part-way, or not started.

    Reads vtopo's apply journal on the primary (only the primary's DSN is needed).

    Example: vtopo status -f topology.yaml --format json
    """
    topology = load_topology(topology_path(file), env)
    primary = topology.primary_name
    dsn = resolve_topology(topology, only={primary}).dsns[primary]
    databases = list(topology.databases)
    entries = read_last_applies(primary, dsn, databases)
    document = status_document(topology.name, primary, databases, entries)
    if format is StatusFormat.json:
        stdout.print_json(json.dumps(document))
    else:
        stdout.print(render_status(document, masked_dsn(dsn)), markup=False, highlight=False)
