"""Reading capacity facts from the databases (read-only: nothing is created or changed)."""

from __future__ import annotations

import psycopg

from vtopo.db.queries import fetch_all
from vtopo.render.statements import render_query
from vtopo.spec.names import server_name

from .facts import CollectionSize, ReaderLimits, ServerMemory


def server_memory(conn: psycopg.Connection) -> ServerMemory:
    (row,) = fetch_all(conn, "capacity/server")
    return ServerMemory(
        shared_buffers=row["shared_buffers"],
        effective_cache_size=row["effective_cache_size"],
        maintenance_work_mem=row["maintenance_work_mem"],
        block_size=row["block_size"],
        buffercache=row["buffercache_installed"],
        buffercache_available=row["buffercache_available"],
    )


def collection_sizes(conn: psycopg.Connection, names: list[str], memory: ServerMemory, *, exact: bool) -> list[CollectionSize]:
    rows = {row["name"]: row for row in fetch_all(conn, "capacity/collections", {"names": names})}
    sizes = []
    for name in names:
        row = rows.get(name)
        if row is None:
            sizes.append(CollectionSize(name, present=False))
            continue
        cached = None
        if memory.buffercache and row["vector_index_filenode"] is not None and row["vector_index_bytes"]:
            (buffers,) = fetch_all(conn, "capacity/cached_buffers", {"filenode": row["vector_index_filenode"]})
            cached = min(1.0, buffers["buffers"] * memory.block_size / row["vector_index_bytes"])
        rows_exact = None
        if exact:
            rows_exact = conn.execute(render_query("capacity/exact_count.sql.j2", name=name)).fetchone()[0]
        sizes.append(CollectionSize(
            name, present=True, rows_estimate=row["rows_estimate"], rows_exact=rows_exact,
            table_bytes=row["table_bytes"], indexes_bytes=row["indexes_bytes"], vector_index=row["vector_index"],
            vector_index_method=row["vector_index_method"], vector_index_bytes=row["vector_index_bytes"],
            vector_index_valid=row["vector_index_valid"], vector_index_cached=cached,
        ))
    return sizes


def mapped_reader(primary: psycopg.Connection, database: str) -> str | None:
    """The role the primary's foreign server for `database` logs in as (None: not wired yet)."""
    rows = fetch_all(primary, "capacity/reader_mapping", {"server": server_name(database)})
    return rows[0]["reader"] if rows else None


def reader_limits(conn: psycopg.Connection, role: str) -> ReaderLimits | None:
    rows = fetch_all(conn, "capacity/reader_settings", {"role": role})
    if not rows:
        return None
    settings: dict[str, str] = {}
    for item in rows[0]["settings"] or []:  # this database's settings first: they win
        key, _, value = item.partition("=")
        settings.setdefault(key, value)
    limit = rows[0]["connection_limit"]
    return ReaderLimits(role, settings, None if limit is None or limit < 0 else limit)
