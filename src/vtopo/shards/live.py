"""The state in effect for a sharded collection, read from the primary: from its view's marker
(with a connection), or from the live catalog a plan read."""

from __future__ import annotations

import psycopg

from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.db.queries import fetch_all
from vtopo.spec.models import Topology

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
    return states
