"""The state a plan is made from: the topology resolved, its desired catalog and the live one.

Below the operations and `check` (both read it), so neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from vtopo.catalog.model import Catalog
from vtopo.desired.build import build_desired
from vtopo.spec.models import Topology
from vtopo.spec.resolve import ResolvedTopology, resolve_topology

from .live import DatabaseFacts, Wanted, introspect_all, live_catalog


@dataclass
class PlanContext:
    """Everything a plan was made from (kept for apply: secrets are resolved here, not in the plan)."""

    resolved: ResolvedTopology
    desired: Catalog
    live: Catalog
    facts: dict[str, DatabaseFacts]

    @property
    def topology(self) -> Topology:
        return self.resolved.topology


def read_state(topology: Topology, resolved: ResolvedTopology | None = None) -> PlanContext:
    """Resolve the topology's secrets (unless the caller has) and read every database's catalog (in parallel)."""
    resolved = resolved or resolve_topology(topology)
    desired = build_desired(topology, resolved.fdw_targets)
    wanted = {db: Wanted.from_catalog(desired, db) for db in topology.databases}
    facts = introspect_all(resolved.dsns, wanted)
    return PlanContext(resolved=resolved, desired=desired, live=live_catalog(facts), facts=facts)
