"""What a plan moves for a sharded collection: its buckets from the state in effect to where
its shard list places them (apply runs the moves: mover.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import psycopg

from vtopo.catalog.model import ObjectKind, key_of
from vtopo.db.connection import connection
from vtopo.spec.models import Topology
from vtopo.spec.resolve import ResolvedTopology

from .live import state_in_effect
from .placement import flows, moves, placement
from .state import ShardState


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
        return flows(self.moves)


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
        leftovers = state.leftovers()
        if not pending and not leftovers:
            continue
        released = [shard for shard in state.holding(spec.shards) if shard not in spec.shards]
        rebalance = Rebalance(name, pending, leftovers, 0, released)
        found.append(replace(rebalance, rows=_count_rows(resolved, name, rebalance)))
    return found


def _count_rows(resolved: ResolvedTopology, collection: str, rebalance: Rebalance) -> int:
    # Jinja only for a plan that moves something: a plan with nothing to do starts faster.
    from vtopo.render.statements import render_query

    total = 0
    for (source, _), buckets in rebalance.flows().items():
        with connection(source, resolved.dsns[source]) as conn:
            rows = conn.execute(render_query("shards/count_moving.sql.j2", collection=collection), {"buckets": buckets}).fetchall()
        total += sum(count for _, count in rows)
    return total


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
