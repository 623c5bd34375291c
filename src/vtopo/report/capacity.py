"""`vtopo capacity` as text or as a JSON document (kind vtopo-capacity): the same facts, the
JSON as numbers (bytes, rows, fractions)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from vtopo.capacity.advice import human_bytes
from vtopo.capacity.facts import CollectionSize, DatabaseCapacity
from vtopo.operations.capacity import CapacityReport
from vtopo.version import __version__


def capacity_document(report: CapacityReport) -> dict[str, Any]:
    return {
        "kind": "vtopo-capacity",
        "format_version": 1,
        "vtopo_version": __version__,
        "topology": report.topology_name,
        "databases": [_database(db) for db in report.databases],
        "advice": [asdict(item) for item in report.advice],
    }


def _database(database: DatabaseCapacity) -> dict[str, Any]:
    reader = database.reader
    return {
        "database": database.database,
        "primary": database.primary,
        "reachable": database.unreachable is None,
        "unreachable": database.unreachable,
        "server": asdict(database.memory) if database.memory else None,
        "reader": None if reader is None else {
            "role": reader.role,
            "statement_timeout": reader.statement_timeout,
            "connection_limit": reader.connection_limit,
            "settings": reader.settings,
        },
        "collections": [asdict(collection) for collection in database.collections],
    }


def render_capacity(report: CapacityReport) -> str:
    lines: list[str] = []
    for database in report.databases:
        lines += _database_lines(database)
    if report.advice:
        lines += ["", "Advice:"]
        for item in report.advice:
            where = f"{item.database}/{item.collection}" if item.collection else item.database
            lines.append(f"  {'!' if item.severity == 'warning' else '-'} {where}: {item.message}")
    else:
        lines += ["", "No advice: every vector index fits the servers' memory settings."]
    return "\n".join(lines)


def _database_lines(database: DatabaseCapacity) -> list[str]:
    role = "primary" if database.primary else "secondary"
    if database.unreachable:
        return [f"{database.database} ({role}): unreachable: {database.unreachable}"]
    memory = database.memory
    assert memory is not None
    cached = "pg_buffercache installed" if memory.buffercache else (
        "cached fractions unknown: CREATE EXTENSION pg_buffercache" if memory.buffercache_available
        else "cached fractions unknown: pg_buffercache is not available")
    lines = [
        f"{database.database} ({role}): shared_buffers {human_bytes(memory.shared_buffers)}, effective_cache_size "
        f"{human_bytes(memory.effective_cache_size)}, maintenance_work_mem {human_bytes(memory.maintenance_work_mem)}; {cached}"
    ]
    if database.reader is not None:
        reader = database.reader
        limit = "no connection limit" if reader.connection_limit is None else f"connection limit {reader.connection_limit}"
        timeout = f"statement_timeout {reader.statement_timeout}" if reader.statement_timeout else "no statement_timeout"
        lines.append(f"  reader {reader.role}: {timeout}, {limit}")
    if not database.collections:
        lines.append("  no collections")
    lines += [f"  {_collection_line(collection)}" for collection in database.collections]
    return lines


def _collection_line(collection: CollectionSize) -> str:
    if not collection.present:
        return f"{collection.name}: not created yet"
    rows = (f"{collection.rows_exact:,} rows" if collection.rows_exact is not None
            else f"~{collection.rows_estimate:,} rows" if collection.rows_estimate is not None else "rows unknown (never analyzed)")
    parts = [rows, f"table {human_bytes(collection.table_bytes or 0)}", f"indexes {human_bytes(collection.indexes_bytes or 0)}"]
    if collection.vector_index:
        index = f"{collection.vector_index_method} {collection.vector_index} {human_bytes(collection.vector_index_bytes or 0)}"
        if collection.vector_index_cached is not None:
            index += f", {collection.vector_index_cached:.0%} cached"
        parts.append(index)
    else:
        parts.append("no vector index")
    return f"{collection.name}: " + ", ".join(parts)
