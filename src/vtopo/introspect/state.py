"""The state a plan is made from: the topology resolved, its desired catalog and the live one.

Below the operations and `check` (both read it), so neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vtopo.catalog.model import Catalog
from vtopo.errors import DatabaseUnreachable
from vtopo.desired.build import build_desired
from vtopo.desired.legacy import keep_legacy_names
from vtopo.shards.live import live_states
from vtopo.shards.state import ShardState
from vtopo.spec.models import Topology
from vtopo.spec.resolve import ResolvedTopology, resolve_topology

from .live import DatabaseFacts, Wanted, introspect_reachable, live_catalog


@dataclass
class PlanContext:
    """Everything a plan was made from (kept for apply: secrets are resolved here, not in the plan)."""

    resolved: ResolvedTopology
    desired: Catalog
    live: Catalog
    facts: dict[str, DatabaseFacts]
    # Databases vtopo could not connect to (tolerated by plan, check and graph, which go on
    # with the rest); with `databases` given to read_state, the others were not read at all.
    unreachable: dict[str, DatabaseUnreachable] = field(default_factory=dict)
    # Sharded collections' bucket states in effect (from the primary's views in `live`).
    shard_states: dict[str, ShardState] = field(default_factory=dict)

    @property
    def read(self) -> set[str]:
        """The databases whose live state is known."""
        return set(self.facts)

    @property
    def complete(self) -> bool:
        return self.read == set(self.topology.databases)

    @property
    def topology(self) -> Topology:
        return self.resolved.topology


def read_state(
    topology: Topology,
    resolved: ResolvedTopology | None = None,
    *,
    databases: set[str] | None = None,
    tolerate_unreachable: bool = False,
) -> PlanContext:
    """Resolve the topology's secrets (unless the caller has) and read the catalogs of every
    database, or only of `databases` (a targeted plan never connects to the others), in parallel.

    tolerate_unreachable: a database that cannot be reached is recorded in `unreachable`
    instead of failing the whole read."""
    resolved = resolved or resolve_topology(topology)
    desired = build_desired(topology, resolved.fdw_targets)
    wanted = {db: Wanted.from_catalog(desired, db) for db in topology.databases}
    dsns = {db: dsn for db, dsn in resolved.dsns.items() if databases is None or db in databases}
    facts, unreachable = introspect_reachable(dsns, wanted, tolerate_unreachable=tolerate_unreachable)
    live = live_catalog(facts)
    states = live_states(topology, live)
    if states:  # sharded collections keep the bucket map in effect (a rebalance moves buckets)
        desired = build_desired(topology, resolved.fdw_targets, states)
    # A reader role an earlier vtopo named keeps its name: apply finds its secret, and
    # check and --target its objects, under the name the live catalog has.
    desired = keep_legacy_names(desired, live)
    return PlanContext(resolved=resolved, desired=desired, live=live, facts=facts, unreachable=unreachable, shard_states=states)
