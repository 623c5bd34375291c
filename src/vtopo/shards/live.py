"""The state in effect for a sharded collection, read from the primary: from its view's marker
(with a connection), or from the live catalog a plan read."""

from __future__ import annotations

import psycopg

from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.catalog.names import BUCKETS, VTOPO_SCHEMA
from vtopo.db.queries import fetch_all
from vtopo.spec.models import Topology
from vtopo.spec.names import server_name

from .state import ShardState, state_from_marker


def state_in_effect(primary: psycopg.Connection, view: str) -> ShardState | None:
    """The state the primary's view `schema.name` reads by, or None when it has none."""
    rows = fetch_all(primary, "shards/view_marker", {"view": view})
    return state_from_marker(rows[0]["comment"] if rows else None)


def live_states(topology: Topology, live: Catalog) -> dict[str, ShardState]:
    """collection -> its state, for every sharded collection whose view the primary holds."""
    states = {}
    for name, spec in topology.collections.items():
        if not spec.sharded or spec.expose is None:
            continue
        view = live.get(key_of(topology.primary_name, ObjectKind.exposed_view, spec.expose.view))
        entries = view.spec_dict.get("shards") if view is not None and view.managed else None
        if entries:
            states[name] = ShardState.from_entries(entries)
        elif view is not None and view.managed and (home := _unsharded_home(topology, live, view.spec_dict)):
            states[name] = ShardState({home: list(range(BUCKETS))})
    return states


def _unsharded_home(topology: Topology, live: Catalog, view_spec: dict) -> str | None:
    """The secondary a collection lived on before it was given `shards:` (its view reads that
    secondary's foreign table): it holds every row, so it owns every bucket until a rebalance
    moves them to where the shards place them."""
    schema, relation = (list(view_spec.get("source") or []) + ["", ""])[:2]
    table = live.get(key_of(topology.primary_name, ObjectKind.foreign_table, relation)) if schema == VTOPO_SCHEMA else None
    if table is None:
        return None
    server = table.spec_dict.get("server")
    return next((db for db in topology.databases if db != topology.primary_name and server_name(db) == server), None)
