"""`vtopo status` as text or as a JSON document (kind vtopo-status)."""

from __future__ import annotations

from typing import Any

from vtopo.apply.journal import JOURNAL, ApplyStatus, JournalEntry, failure_state
from vtopo.operations.status import TopologyStatus
from vtopo.version import __version__

MARKS = {
    ApplyStatus.applied: "✓",
    ApplyStatus.failed: "✗",
    ApplyStatus.partial: "◐",
    ApplyStatus.not_started: "-",
    ApplyStatus.running: "…",
    ApplyStatus.interrupted: "✗",
}


def status_document(status: TopologyStatus) -> dict[str, Any]:
    entries = status.entries
    return {
        "kind": "vtopo-status",
        "format_version": 1,
        "vtopo_version": __version__,
        "topology": {"name": status.topology_name, "primary": status.primary, "databases": status.databases},
        "journal": {"database": status.primary, "table": JOURNAL, "present": entries is not None},
        "databases": {db: (entries[db].as_dict() if entries and db in entries else None) for db in status.databases},
        "sharded_collections": {name: summary.as_dict() for name, summary in status.shards.items()},
    }


def render_status(status: TopologyStatus) -> str:
    header = f"apply journal: {JOURNAL} in database {status.primary} ({status.dsn_shown})"
    if status.entries is None:
        return header + "\nNo apply has been recorded yet (vtopo apply writes the journal)."
    width = max(len(db) for db in status.databases)
    lines = [header]
    for database in status.databases:
        lines += _lines(database, status.entries.get(database), width)
    lines += _shard_lines(status)
    return "\n".join(lines)


def _shard_lines(status: TopologyStatus) -> list[str]:
    lines = []
    for name, summary in sorted(status.shards.items()):
        owned = ", ".join(f"{shard} {count}" for shard, count in summary.owned.items())
        if summary.to_move or summary.left_over:
            pending = f"{summary.to_move} bucket(s) to move" + (f", copies of {summary.left_over} left by an interrupted move"
                                                                  if summary.left_over else "")
            lines.append(f"  ◐  sharded {name}: buckets {owned}; {pending} (vtopo apply finishes the rebalance)")
        else:
            lines.append(f"  ✓  sharded {name}: buckets {owned}, each where its shards place it")
    return lines


def _lines(database: str, entry: JournalEntry | None, width: int) -> list[str]:
    if entry is None:
        return [f"  -  {database:<{width}}  no apply recorded"]
    when = entry.finished_at or entry.updated_at
    lines = [
        f"  {MARKS.get(entry.status, '?')}  {database:<{width}}  {_word(entry.status)}, {len(entry.steps_done)} of "
        f"{entry.steps_planned} step(s) — apply {entry.apply_id} at {when} (vtopo {entry.vtopo_version}, {entry.applied_by})"
    ]
    if entry.failed_step:
        state = failure_state(rolled_back=entry.rolled_back, steps_done=len(entry.steps_done))
        verb = "interrupted" if entry.status == ApplyStatus.interrupted else "failed"
        lines.append(f"       {verb} at {entry.failed_step} ({state.value}): {entry.error}")
    return lines


def _word(status: ApplyStatus | str) -> str:
    if status == ApplyStatus.running:
        return "running (or interrupted: no result was recorded)"
    return status.value if isinstance(status, ApplyStatus) else status
