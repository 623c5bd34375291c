"""`vtopo graph`: the topology as a picture, or (live) what the databases hold, drift marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from vtopo.desired.build import build_desired
from vtopo.errors import DatabaseUnreachable
from vtopo.graph import Graph, live_graph, topology_graph
from vtopo.introspect.state import PlanContext, read_state
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology
from vtopo.spec.secrets import find_references

from .plan import database_order, targeted_catalogs


@dataclass(frozen=True)
class Drawing:
    graph: Graph
    # --live: databases that could not be read, left out of the picture (the CLI names them, exit 1)
    unreachable: dict[str, DatabaseUnreachable] = field(default_factory=dict)
    context: PlanContext | None = None


def draw_topology(path: str | Path, *, env: str | None = None, live: bool = False) -> Drawing:
    """Without live it reads only the file (no database, no secret)."""
    topology = load_topology(path, env)
    naming = {"primary": topology.primary_name, "databases": database_order(topology),
              "name": topology.name, "environment": topology.environment, "replicas": replica_labels(topology)}
    if live:
        context = read_state(topology, tolerate_unreachable=True)
        desired, current, _ = targeted_catalogs(context, None)  # only what could be read
        naming["databases"] = [db for db in naming["databases"] if db in context.read]
        return Drawing(live_graph(desired, current, **naming), context.unreachable, context)
    return Drawing(topology_graph(build_desired(topology), **naming))


def replica_labels(topology: Topology) -> dict[str, list[str | None]]:
    """host:port of each replica where the file says it (fdw, or a DSN without references; the
    file alone is read, no secret), else None."""
    labels: dict[str, list[str | None]] = {}
    for name, database in topology.databases.items():
        for replica in database.replicas:
            where = _literal_address(replica.dsn)
            if replica.fdw is not None and replica.fdw.host:
                where = f"{replica.fdw.host}:{replica.fdw.port or 5432}"
            labels.setdefault(name, []).append(where)
    return labels


def _literal_address(dsn: str) -> str | None:
    if find_references(dsn):
        return None
    try:
        parts = conninfo_to_dict(dsn)
    except Exception:
        return None
    return f"{parts.get('host') or 'localhost'}:{parts.get('port') or 5432}"
