"""Moving a sharded collection's buckets to where its shard list places them, online.

A plan lists the moves (`Rebalance`); apply runs them after its DDL, in committed batches of
buckets from one shard to another:

1. copy the batch's rows to the receiving shard (COPY out, COPY in, merged: a repeated copy
   replaces what an interrupted one left);
2. flip: the primary's view and search function read the batch from the receiving shard,
   and the view's marker records that the giving shard still holds copies (one transaction);
3. delete the copies on the giving shard, then clear that record.

Writes lose nothing: each shard's write guard (kinds/shard_guard.py) follows every flip. Before
the copy the giving shard stops taking writes to the batch (it waits for writers in flight, so
the copy sees every committed write); the receiving shard takes them once it owns the batch.
Between the two, a write to the batch is refused with SQLSTATE VT409, and vtopo's own writers
wait and retry (query/sharded.py): a move costs writers of its buckets a pause, never a write.

Reads through the primary see each row exactly once at every moment: before the flip from
the giving shard only, after it from the receiving one only. An interruption anywhere leaves
a state the next plan reads from the view's marker and finishes: batches not flipped are
copied again, copies recorded as left behind are deleted.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Protocol

import psycopg

from vtopo.db.connection import connection, scrub, server_message
from vtopo.errors import DatabaseError
from vtopo.kinds import shard_guard
from vtopo.render.statements import render_query, render_sql
from vtopo.spec.models import CollectionSpec
from vtopo.spec.resolve import ResolvedTopology

from .rebalance import Rebalance
from .state import ShardState

BATCH_BUCKETS = 8  # buckets per flip: a handful of small transactions per shard pair


class RebalanceProgress(Protocol):
    def moved(self, collection: str, source: str, target: str, buckets: list[int], rows: int) -> None: ...


class Mover:
    """Runs the rebalances of a plan against the databases (secrets resolved)."""

    def __init__(self, resolved: ResolvedTopology, build_primary_objects: Callable[[str, ShardState], list],
                 progress: RebalanceProgress | None = None) -> None:
        self.resolved = resolved
        self.topology = resolved.topology
        self.build_primary_objects = build_primary_objects  # (collection, state) -> [view, function]
        self.progress = progress
        self._states: dict[str, ShardState] = {}  # collection -> the state its shards' guards were set to

    def run(self, rebalance: Rebalance, state: ShardState) -> ShardState:
        """Move every bucket of `rebalance` from `state` (the state in effect); returns the final state."""
        spec = self.topology.collections[rebalance.collection]
        for shard, buckets in sorted(state.draining.items()):  # an interrupted move's copies first
            state = self._drain(rebalance.collection, spec, state, shard, list(buckets))
        for shard, buckets in sorted(state.receiving.items()):  # and copies that never became the shard's own
            state = self._drain(rebalance.collection, spec, state, shard, list(buckets), receiving=True)
        for (source, target), buckets in rebalance.flows().items():
            for start in range(0, len(buckets), BATCH_BUCKETS):
                batch = [b for b in buckets[start:start + BATCH_BUCKETS] if b in state.owned.get(source, [])]
                if batch:
                    state = self._move(rebalance.collection, spec, state, source, target, batch)
        return state

    def _move(self, name: str, spec: CollectionSpec, state: ShardState, source: str, target: str, buckets: list[int]) -> ShardState:
        # The receiving shard is read only for its own buckets before the copies arrive.
        receiving = {**state.receiving, target: sorted({*state.receiving.get(target, []), *buckets})}
        state = self._flip(name, ShardState(state.owned, state.draining, receiving))
        rows = self._copy(name, spec, source, target, buckets)
        owned = {shard: [b for b in owned if b not in buckets] for shard, owned in state.owned.items()}
        owned[target] = sorted([*owned.get(target, []), *buckets])
        draining = {**state.draining, source: sorted({*state.draining.get(source, []), *buckets})}
        receiving = _without(state.receiving, target, buckets)
        state = self._flip(name, ShardState(owned, draining, receiving))
        state = self._drain(name, spec, state, source, buckets)
        if self.progress is not None:
            self.progress.moved(name, source, target, buckets, rows)
        return state

    def _copy(self, name: str, spec: CollectionSpec, source: str, target: str, buckets: list[int]) -> int:
        dsns = self.resolved.dsns
        with self._refusals(f"{source} → {target}", name), connection(source, dsns[source]) as giving, \
                connection(target, dsns[target], autocommit=False) as receiving:
            receiving.execute(render_query("shards/as_mover.sql"))  # the merge passes the receiving shard's guard
            receiving.execute(render_query("shards/stage.sql.j2", vector_type=f"{spec.type.value}({spec.dimension})"))
            with giving.cursor().copy(render_query("shards/copy_out.sql.j2", collection=name), {"buckets": buckets}) as out, \
                    receiving.cursor().copy(render_query("shards/copy_in.sql.j2")) as into:
                for data in out:
                    into.write(data)
            merged = receiving.execute(render_query("shards/merge_moving.sql.j2", collection=name)).rowcount
            receiving.commit()
        return merged

    def _drain(self, name: str, spec: CollectionSpec, state: ShardState, shard: str, buckets: list[int], *,
               receiving: bool = False) -> ShardState:
        """Delete `shard`'s copies of `buckets` (owned elsewhere), then clear the record."""
        with self._refusals(shard, name), connection(shard, self.resolved.dsns[shard]) as conn:
            conn.execute(render_query("shards/as_mover.sql"))
            conn.execute(render_query("shards/delete_moved.sql.j2", collection=name), {"buckets": buckets})
        if receiving:
            return self._flip(name, ShardState(state.owned, state.draining, _without(state.receiving, shard, buckets)))
        return self._flip(name, ShardState(state.owned, _without(state.draining, shard, buckets), state.receiving))

    def _flip(self, name: str, state: ShardState) -> ShardState:
        """The primary's view and search function read by `state`, in one transaction; then
        each shard whose write guard `state` changes takes its new buckets (giving shards
        freeze before anything is copied, receiving ones open once they own the rows)."""
        primary = self.topology.primary_name
        statements = [sql for obj in self.build_primary_objects(name, state) for sql in render_sql(obj, "update", reveal=True)]
        with self._refusals(primary, name), connection(primary, self.resolved.dsns[primary], autocommit=False) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        wanted = list(self.topology.collections[name].shards or [])
        previous = self._states.get(name)  # None: the first flip of this run sets every shard's guard
        for shard in dict.fromkeys([*(previous.holding(wanted) if previous else []), *state.holding(wanted)]):
            if previous is None or previous.guard(shard) != state.guard(shard):
                self._guard(name, shard, state)
        self._states[name] = state
        return state

    def _guard(self, name: str, shard: str, state: ShardState) -> None:
        writable, frozen = state.guard(shard)
        guard = shard_guard.new(shard, name, writable=writable, frozen=frozen)
        with self._refusals(shard, name), connection(shard, self.resolved.dsns[shard], autocommit=False) as conn:
            conn.execute(render_query("shards/as_mover.sql"))
            for statement in render_sql(guard, "update", reveal=True):
                conn.execute(statement)
            conn.commit()

    @contextmanager
    def _refusals(self, database: str, collection: str) -> Iterator[None]:
        """A statement a database refused (a lock it waited for too long, a shard gone) as one
        line naming it; each step is its own transaction, so nothing is left half done."""
        try:
            yield
        except psycopg.Error as error:
            detail = scrub(server_message(error), *self.resolved.secrets())
            raise DatabaseError(database, f"moving the buckets of {collection} stopped: {detail}",
                                hint="reads through the primary still return every row once; fix the cause, then run "
                                     f"vtopo apply -f {self.topology.source_path} again to finish the move") from None


def _without(found: dict[str, list[int]], shard: str, buckets: list[int]) -> dict[str, list[int]]:
    left = sorted(set(found.get(shard, [])) - set(buckets))
    return {s: b for s, b in {**found, shard: left}.items() if b}
