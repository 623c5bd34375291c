"""Direct reads and writes of a sharded collection (the Python API, `vtopo query`, `vtopo load`).

Reads ask every shard and merge: a search takes each shard's top-k and keeps the nearest k
of all; fetch and delete look on every shard. A row is never returned twice: while a
rebalance moves a bucket its rows can sit on two shards for a moment (copied, not yet
deleted), so rows are merged by id. Writes go to the shard that owns the id's bucket in the
map in effect (the one the primary's view reads by).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable, Sequence

import psycopg

from vtopo.errors import DatabaseError
from vtopo.shards.live import state_in_effect
from vtopo.shards.placement import bucket_of, owners

from .session import Sessions, describe, require_collection
from .target import Target

Run = Callable[[psycopg.Connection, Target], Any]


def shard_targets(target: Target) -> list[Target]:
    """The collection on each of its shards (same table, same settings)."""
    return [dataclasses.replace(target, database=shard) for shard in target.spec.shards or []]


def on_every_shard(sessions: Sessions, target: Target, work: Run, *, read: bool, checked: set[str]) -> list[Any]:
    """work(conn, shard target) on each shard, in shard order; each shard's table checked once."""
    results = []
    for shard in shard_targets(target):
        try:
            if shard.database not in checked:
                conn = require_collection(sessions, shard, read=read)
                checked.add(shard.database)
            else:
                conn = sessions.reading(shard.database) if read else sessions.connection(shard.database)
            results.append(work(conn, shard))
        except psycopg.Error as error:
            raise describe(error, sessions, shard) from None
    return results


def nearest(answers: Iterable[list[tuple]], limit: int) -> list[tuple]:
    """The `limit` rows (id, distance, ...) of smallest distance across shards, each id once."""
    best: dict[str, tuple] = {}
    for rows in answers:
        for row in rows:
            if row[0] not in best or row[1] < best[row[0]][1]:
                best[row[0]] = row
    return sorted(best.values(), key=lambda row: (row[1], row[0]))[:limit]


def once_by_id(answers: Iterable[list[tuple]]) -> list[tuple]:
    found: dict[str, tuple] = {}
    for rows in answers:
        for row in rows:
            found.setdefault(row[0], row)
    return list(found.values())


def owner_of(sessions: Sessions, target: Target) -> Callable[[str], str]:
    """id -> the shard its bucket is on now (the map the primary's view reads by)."""
    by_bucket = bucket_owners(sessions, target)
    return lambda row_id: by_bucket[bucket_of(row_id)]


def bucket_owners(sessions: Sessions, target: Target) -> dict[int, str]:
    """bucket -> the shard it is on now (the map the primary's view reads by)."""
    view = target.spec.expose.view if target.spec.expose else ""
    primary = sessions.resolved.topology.primary_name
    try:
        state = state_in_effect(sessions.connection(primary), view)
    except psycopg.Error as error:
        raise describe(error, sessions, target) from None
    if state is None:
        raise DatabaseError(primary, f"collection {target.collection!r} is sharded, but the primary's view {view} holds no "
                            "bucket map (not applied yet?)",
                            hint=f"run: vtopo apply -f {sessions.resolved.topology.source_path}")
    return owners(state.owned)


def split_by_shard(ids: Sequence[Any], owner: Callable[[str], str], shards: list[str]) -> dict[str, list[int]]:
    """Positions of the ids per shard (an id that is not a string goes to the first shard, whose
    checks then name it)."""
    positions: dict[str, list[int]] = {shard: [] for shard in shards}
    for index, row_id in enumerate(ids):
        positions[owner(row_id) if isinstance(row_id, str) else shards[0]].append(index)
    return positions


def load_on_shards(sessions: Sessions, target: Target, path, **options: Any):
    """`vtopo load` of a sharded collection: each shard loads the file's rows whose bucket it
    owns, with all of a load's care (load/sharded.py); one report for all."""
    from vtopo.load import Destination, load_source
    from vtopo.load.sharded import OwnedRows, combined

    by_bucket = bucket_owners(sessions, target)
    reports = []
    for shard in shard_targets(target):
        conn = require_collection(sessions, shard)
        destination = Destination(conn, sessions.resolved, shard.database, shard.collection, shard.shape,
                                  lambda error, shard=shard: describe(error, sessions, shard))
        reports.append(load_source(destination, path, rows=lambda source, name=shard.database: OwnedRows(source, by_bucket.__getitem__, name),
                                   **options))
    return combined(target.collection, reports)
