"""Vector indexes in shared buffers (`prewarm: true`): loaded with pg_prewarm after apply and
on `vtopo check --prewarm`, measured with pg_buffercache where it is installed."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from vtopo.capacity.read import collection_sizes, server_memory
from vtopo.db.connection import connection, scrub, server_message
from vtopo.db.queries import fetch_all
from vtopo.errors import DatabaseError
from vtopo.spec.models import Topology
from vtopo.spec.resolve import ResolvedTopology

# A prewarmed index should sit (almost) wholly in shared buffers; less means it does not fit.
WARM_FRACTION = 0.9


@dataclass(frozen=True)
class IndexCache:
    database: str
    collection: str
    index_name: str | None  # None: no valid vector index yet
    loaded_blocks: int | None = None  # what pg_prewarm read (None: not prewarmed now)
    cached_fraction: float | None = None  # None: pg_buffercache is not installed
    problem: str | None = None  # prewarm or measurement failed (never fatal)


def prewarmed_collections(topology: Topology, databases: set[str] | None = None) -> dict[str, list[str]]:
    """Per database, its collections with `prewarm: true` and a vector index."""
    found: dict[str, list[str]] = {}
    for name, spec in sorted(topology.collections.items()):
        for database in spec.databases:
            if spec.prewarm and spec.index.method.value != "none" and (databases is None or database in databases):
                found.setdefault(database, []).append(name)
    return found


def warm_indexes(resolved: ResolvedTopology, databases: set[str] | None = None, *, load: bool) -> list[IndexCache]:
    """load: pg_prewarm each index first. Then the cached fraction, where pg_buffercache is installed."""
    results: list[IndexCache] = []
    for database, names in prewarmed_collections(resolved.topology, databases).items():
        try:
            with connection(database, resolved.dsns[database]) as conn:
                results += [_one(conn, database, name, load=load, secrets=resolved.secrets()) for name in names]
        except DatabaseError as error:
            results += [IndexCache(database, name, None, problem=error.message) for name in names]
    return results


def _one(conn: psycopg.Connection, database: str, collection: str, *, load: bool, secrets: list) -> IndexCache:
    """The index and its cached fraction as `vtopo capacity` reads them, after pg_prewarm when `load`."""
    try:
        memory = server_memory(conn)
        (size,) = collection_sizes(conn, [collection], memory, exact=False)
        if size.vector_index is None or not size.vector_index_valid:
            return IndexCache(database, collection, None)
        if not load:
            return IndexCache(database, collection, size.vector_index, None, size.vector_index_cached)
        (loaded,) = fetch_all(conn, "prewarm/index", {"index": size.vector_index})
        (after,) = collection_sizes(conn, [collection], memory, exact=False)
        return IndexCache(database, collection, size.vector_index, loaded["blocks"], after.vector_index_cached)
    except psycopg.Error as error:
        return IndexCache(database, collection, None, problem=scrub(server_message(error), *secrets))
