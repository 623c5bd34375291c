"""Prove the written file: read the databases the way `plan` would and diff them against it.

Anything left is what `vtopo plan` on the file would change; inspect reports it.
"""

from __future__ import annotations

from vtopo.desired.build import build_desired
from vtopo.diff.engine import diff_catalogs
from vtopo.errors import PlanError
from vtopo.introspect.live import Wanted, introspect_all, live_catalog
from vtopo.spec.loader import parse_topology
from vtopo.spec.models import Topology
from vtopo.spec.resolve import FdwTarget, fdw_target

from .sources import Sources


def fdw_targets(topology: Topology, sources: Sources) -> dict[str, FdwTarget]:
    """Where each foreign server would point (the defaults of spec.resolve), without passwords."""
    return {
        source.name: fdw_target(topology, source.name, source.dsn)
        for source in sources.databases
        if topology.databases[source.name].fdw is not None
    }


def pending_changes(text: str, sources: Sources) -> list[str]:
    """What a plan on `text` would change in these databases (empty: the file is exact)."""
    topology = parse_topology(text, "(inspected topology)", env="")  # "": never $VTOPO_ENV
    desired = build_desired(topology, fdw_targets(topology, sources))
    wanted = {name: Wanted.from_catalog(desired, name) for name in topology.databases}
    live = live_catalog(introspect_all(sources.dsns(), wanted))
    try:
        changes = diff_catalogs(desired, live)
    except PlanError as error:
        return error.message.splitlines()
    return [
        f"{c.database}: {c.action.value} {c.kind.value} {c.name}" + (f" ({c.reason})" if c.reason and c.action.value != "create" else "")
        for c in changes
    ]
