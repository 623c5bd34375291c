"""Direct reads and writes of a sharded collection (the Python API, `vtopo query`, `vtopo load`).

Reads ask every shard and merge: a search takes each shard's top-k and keeps the nearest k
of all; fetch and delete look on every shard. A row is never returned twice: while a
rebalance moves a bucket its rows can sit on two shards for a moment (copied, not yet
deleted), so rows are merged by id. Writes go to the shard that owns the id's bucket in the
map in effect (the one the primary's view reads by). A shard's write guard refuses a write to
a bucket it does not take (kinds/shard_guard.py): during a rebalance, a batch of buckets being
moved; writes here then read the map again and retry, for up to MOVE_WAIT seconds.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Callable, Iterable, Sequence

import psycopg

from vtopo.catalog.names import GUARD_SQLSTATE
from vtopo.errors import DatabaseError, DatabaseUnreachable
from vtopo.shards.live import state_in_effect
from vtopo.shards.placement import bucket_of, owners
from vtopo.shards.state import ShardState

from .session import Sessions, describe, require_collection
from .target import Target

Run = Callable[[psycopg.Connection, Target], Any]
MOVE_WAIT = 30.0  # seconds a write waits out the move of its buckets (a batch takes about a second)


def refused_by_guard(error: BaseException) -> bool:
    return getattr(error, "sqlstate", None) == GUARD_SQLSTATE


def shard_targets(sessions: Sessions, target: Target, *, read: bool = False) -> list[Target]:
    """The collection on each shard that holds a part of it now (same table, same settings):
    by the map in effect, not the topology file, which may already name a shard apply has not
    made yet, or no longer name one a rebalance is emptying. A read with the primary down
    goes by the file (reads of the shards need no primary)."""
    try:
        state = state_of(sessions, target)
    except DatabaseUnreachable:
        if not read:
            raise
        return [dataclasses.replace(target, database=shard) for shard in target.spec.shards or []]
    holding = [shard for shard in state.holding(list(target.spec.shards or [])) if state.holds(shard)]
    return [dataclasses.replace(target, database=shard) for shard in holding]


def on_every_shard(sessions: Sessions, target: Target, work: Run, *, read: bool, checked: set[str],
                   wait: float = MOVE_WAIT) -> list[Any]:
    """work(conn, shard target) on each shard, in shard order; each shard's table checked once.
    A write (a delete) a guard refuses on one shard goes again on all, until none refuses (the
    rows may have moved meanwhile; the work must be safe to repeat): every round's results."""
    waiting = _Waiting(sessions, wait)
    results: list[Any] = []
    while True:
        refused = False
        for shard in shard_targets(sessions, target, read=read):
            try:
                results.append(work(shard_connection(sessions, shard, read=read, checked=checked), shard))
            except psycopg.Error as error:
                if read or not refused_by_guard(error):
                    raise describe(error, sessions, shard) from None
                refused = True
                waiting.refused(error, shard)
        if not refused:
            return results
        waiting.pause()


def shard_connection(sessions: Sessions, shard: Target, *, read: bool, checked: set[str]) -> psycopg.Connection:
    if shard.database not in checked:
        conn = require_collection(sessions, shard, read=read)
        checked.add(shard.database)
        return conn
    return sessions.reading(shard.database) if read else sessions.connection(shard.database)


def write_by_owner(sessions: Sessions, target: Target, ids: Sequence[Any], write: Callable[[psycopg.Connection, Target, list[int]], Any],
                   *, checked: set[str], wait: float = MOVE_WAIT) -> None:
    """write(conn, shard target, positions): the records at `positions` of `ids`, on the shard
    that owns their bucket (one transaction each). A part a guard refuses (its buckets moved,
    or are moving) goes again by the map read anew."""
    pending = list(range(len(ids)))
    waiting = _Waiting(sessions, wait)
    while pending:
        owner = owner_of(sessions, target)
        refused: list[int] = []
        for shard, mine in split_by_shard([ids[i] for i in pending], owner, list(target.spec.shards or [])).items():
            positions = [pending[i] for i in mine]
            if not positions:
                continue
            shard_target = dataclasses.replace(target, database=shard)
            try:
                write(shard_connection(sessions, shard_target, read=False, checked=checked), shard_target, positions)
            except psycopg.Error as error:
                if not refused_by_guard(error):
                    raise describe(error, sessions, shard_target) from None
                refused += positions
                waiting.refused(error, shard_target)
        pending = sorted(refused)
        if pending:
            waiting.pause()


class _Waiting:
    """Pauses between tries (growing to a second) until `wait` seconds, then the last refusal."""

    def __init__(self, sessions: Sessions, wait: float) -> None:
        self.sessions = sessions
        self.deadline = time.monotonic() + wait
        self.delay = 0.05
        self.last: tuple[psycopg.Error, Target] | None = None

    def refused(self, error: psycopg.Error, shard: Target) -> None:
        self.last = (error, shard)

    def pause(self) -> None:
        if time.monotonic() >= self.deadline and self.last is not None:
            error, shard = self.last
            raise describe(error, self.sessions, shard) from None
        time.sleep(self.delay)
        self.delay = min(self.delay * 2, 1.0)


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
    return owners(state_of(sessions, target).owned)


def state_of(sessions: Sessions, target: Target) -> ShardState:
    """Where the collection's buckets are now: the marker of the primary's view."""
    view = target.spec.expose.view if target.spec.expose else ""
    primary = sessions.resolved.topology.primary_name
    for attempt in (1, 2):
        conn = sessions.connection(primary)
        try:
            state = state_in_effect(conn, view)
            break
        except psycopg.OperationalError as error:
            if attempt == 1 and conn.broken:
                continue  # a kept connection the primary dropped (a restart): once more on a new one
            raise describe(error, sessions, target) from None
        except psycopg.Error as error:
            raise describe(error, sessions, target) from None
    if state is None:
        raise DatabaseError(primary, f"collection {target.collection!r} is sharded, but the primary's view {view} holds no "
                            "bucket map (not applied yet?)",
                            hint=f"run: vtopo apply -f {sessions.resolved.topology.source_path}")
    return state


def split_by_shard(ids: Sequence[Any], owner: Callable[[str], str], shards: list[str]) -> dict[str, list[int]]:
    """Positions of the ids per shard (an id that is not a string goes to the first shard, whose
    checks then name it). A shard being let go may still own buckets mid-rebalance."""
    positions: dict[str, list[int]] = {shard: [] for shard in shards}
    for index, row_id in enumerate(ids):
        positions.setdefault(owner(row_id) if isinstance(row_id, str) else shards[0], []).append(index)
    return positions


def load_on_shards(sessions: Sessions, target: Target, path, **options: Any):
    """`vtopo load` of a sharded collection: each shard loads the file's rows whose bucket it
    owns, with all of a load's care (load/sharded.py); one report for all."""
    from vtopo.load import Destination, load_source
    from vtopo.load.sharded import OwnedRows, combined

    by_bucket = bucket_owners(sessions, target)
    reports = []
    for shard in shard_targets(sessions, target):
        if shard.database not in by_bucket.values():
            continue  # holds copies a rebalance has yet to delete, owns nothing
        conn = require_collection(sessions, shard)
        destination = Destination(conn, sessions.resolved, shard.database, shard.collection, shard.shape,
                                  lambda error, shard=shard: describe(error, sessions, shard))
        reports.append(load_source(destination, path, rows=lambda source, name=shard.database: OwnedRows(source, by_bucket.__getitem__, name),
                                   **options))
    return combined(target.collection, reports)
