"""`vtopo graph`: the topology as a picture, or (live) what the databases hold, drift marked."""

from __future__ import annotations

from pathlib import Path

from vtopo.desired.build import build_desired
from vtopo.graph import Graph, live_graph, topology_graph
from vtopo.introspect.state import read_state
from vtopo.spec.loader import load_topology

from .plan import database_order


def draw_topology(path: str | Path, *, env: str | None = None, live: bool = False) -> Graph:
    """Without live it reads only the file (no database, no secret)."""
    topology = load_topology(path, env)
    naming = {"primary": topology.primary_name, "databases": database_order(topology),
              "name": topology.name, "environment": topology.environment}
    if live:
        context = read_state(topology)
        return live_graph(context.desired, context.live, **naming)
    return topology_graph(build_desired(topology), **naming)
