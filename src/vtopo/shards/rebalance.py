"""Moving a sharded collection's buckets to where its shard list places them, online.

A plan lists the moves (`Rebalance`); apply runs them after its DDL, in committed batches of
buckets from one shard to another:

1. copy the batch's rows to the receiving shard (COPY out, COPY in, merged: a repeated copy
   replaces what an interrupted one left);
2. flip: the primary's view and search function read the batch from the receiving shard,
   and the view's marker records that the giving shard still holds copies (one transaction);
3. delete the copies on the giving shard, then clear that record.

Reads through the primary see each row exactly once at every moment: before the flip from
the giving shard only, after it from the receiving one only. An interruption anywhere leaves
a state the next plan reads from the view's marker and finishes: batches not flipped are
copied again, copies recorded as left behind are deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol

import psycopg

from vtopo.catalog.model import ObjectKind, key_of
from vtopo.db.connection import connection
from vtopo.render.statements import render_query, render_sql
from vtopo.spec.models import CollectionSpec, Topology
from vtopo.spec.resolve import ResolvedTopology

from .live import state_in_effect
from .placement import moves, placement
from .state import ShardState

BATCH_BUCKETS = 8  # buckets per flip: a handful of small transactions per shard pair


@dataclass(frozen=True)
class Rebalance:
    """What a plan moves for one sharded collection."""

    collection: str
    moves: list[tuple[int, str, str]]  # (bucket, from shard, to shard)
    draining: dict[str, list[int]] = field(default_factory=dict)  # copies left by an interrupted move, to delete
    rows: int = 0  # rows the moves copy (counted when planned)
    released: list[str] = field(default_factory=list)  # shards whose part is dropped once emptied

    def as_dict(self) -> dict[str, Any]:
        return {"collection": self.collection, "moves": [list(move) for move in self.moves], "draining": self.draining,
                "rows": self.rows, "released": self.released}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rebalance:
        return cls(data["collection"], [tuple(move) for move in data.get("moves", [])], dict(data.get("draining") or {}),
                   int(data.get("rows") or 0), list(data.get("released") or []))

    def flows(self) -> dict[tuple[str, str], list[int]]:
        """(from, to) -> buckets."""
        found: dict[tuple[str, str], list[int]] = {}
        for bucket, source, target in self.moves:
            found.setdefault((source, target), []).append(bucket)
        return found


class RebalanceProgress(Protocol):
    def moved(self, collection: str, source: str, target: str, buckets: list[int], rows: int) -> None: ...


def plan_rebalances(topology: Topology, states: dict[str, ShardState], resolved: ResolvedTopology,
                    collections: set[str] | None = None) -> list[Rebalance]:
    """The moves each sharded collection needs (its state in effect against its placement)."""
    found = []
    for name, state in sorted(states.items()):
        spec = topology.collections.get(name)
        if spec is None or not spec.sharded or (collections is not None and name not in collections):
            continue
        wanted = placement(spec.shards)
        pending = moves(state.owned, wanted)
        if not pending and not any(state.draining.values()) and not any(state.receiving.values()):
            continue
        released = [shard for shard in state.holding(spec.shards) if shard not in spec.shards]
        leftovers = {s: sorted({*state.draining.get(s, []), *state.receiving.get(s, [])}) for s in {*state.draining, *state.receiving}}
        rebalance = Rebalance(name, pending, {s: b for s, b in leftovers.items() if b}, 0, released)
        found.append(replace(rebalance, rows=_count_rows(resolved, name, rebalance)))
    return found


def _count_rows(resolved: ResolvedTopology, collection: str, rebalance: Rebalance) -> int:
    total = 0
    for (source, _), buckets in rebalance.flows().items():
        with connection(source, resolved.dsns[source]) as conn:
            rows = conn.execute(render_query("shards/count_moving.sql.j2", collection=collection), {"buckets": buckets}).fetchall()
        total += sum(count for _, count in rows)
    return total


class Mover:
    """Runs the rebalances of a plan against the databases (secrets resolved)."""

    def __init__(self, resolved: ResolvedTopology, build_primary_objects: Callable[[str, ShardState], list],
                 progress: RebalanceProgress | None = None) -> None:
        self.resolved = resolved
        self.topology = resolved.topology
        self.build_primary_objects = build_primary_objects  # (collection, state) -> [view, function]
        self.progress = progress

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
        with connection(source, dsns[source]) as giving, connection(target, dsns[target], autocommit=False) as receiving:
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
        with connection(shard, self.resolved.dsns[shard]) as conn:
            conn.execute(render_query("shards/delete_moved.sql.j2", collection=name), {"buckets": buckets})
        if receiving:
            return self._flip(name, ShardState(state.owned, state.draining, _without(state.receiving, shard, buckets)))
        return self._flip(name, ShardState(state.owned, _without(state.draining, shard, buckets), state.receiving))

    def _flip(self, name: str, state: ShardState) -> ShardState:
        """The primary's view and search function read by `state`, in one transaction."""
        primary = self.topology.primary_name
        statements = [sql for obj in self.build_primary_objects(name, state) for sql in render_sql(obj, "update", reveal=True)]
        with connection(primary, self.resolved.dsns[primary], autocommit=False) as conn:
            for statement in statements:
                conn.execute(statement)
            conn.commit()
        return state


def _without(found: dict[str, list[int]], shard: str, buckets: list[int]) -> dict[str, list[int]]:
    left = sorted(set(found.get(shard, [])) - set(buckets))
    return {s: b for s, b in {**found, shard: left}.items() if b}


def primary_objects(desired, topology: Topology, name: str) -> list:
    """The objects on the primary a sharded collection's state lives in: its view, its function."""
    spec = topology.collections[name]
    keys = [key_of(topology.primary_name, ObjectKind.exposed_view, spec.expose.view)]
    if spec.expose.function_name:
        keys.append(key_of(topology.primary_name, ObjectKind.search_function, spec.expose.function_name))
    return [desired.get(key) for key in keys if desired.get(key) is not None]


def read_states(resolved: ResolvedTopology) -> dict[str, ShardState]:
    """The state in effect of every sharded collection (from the primary's views)."""
    topology = resolved.topology
    primary = topology.primary_name
    states = {}
    with connection(primary, resolved.dsns[primary]) as conn:
        for name, spec in topology.collections.items():
            if spec.sharded and spec.expose is not None:
                try:
                    state = state_in_effect(conn, spec.expose.view)
                except psycopg.Error:
                    state = None
                if state is not None:
                    states[name] = state
    return states
