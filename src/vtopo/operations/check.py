"""`vtopo check`: are searches and filters through the primary shipped to the secondaries?"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vtopo.check.cache import cache_results
from vtopo.check.probe import run_checks
from vtopo.check.replicas import replica_results
from vtopo.check.verdict import CheckResult
from vtopo.diff.targets import resolve_targets
from vtopo.introspect.state import PlanContext, read_state
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology


@dataclass(frozen=True)
class CheckReport:
    results: list[CheckResult]

    @property
    def passed(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return not any(result.passed is False for result in self.results)


def check_state(
    context: PlanContext, *, analyze: bool = False, collections: set[str] | None = None, prewarm: bool = False
) -> CheckReport:
    """analyze: pin foreign-table statistics where they are not pinned (kinds/foreign_table.py).
    collections: only these (None: every exposed one). prewarm: load the vector indexes of
    `prewarm: true` collections first (their cached fraction is reported either way)."""
    # Measured before the probes below, whose searches read the index themselves.
    cached = cache_results(context.resolved, context.read, collections, load=prewarm)
    probed = run_checks(context, analyze=analyze, collections=collections)
    return CheckReport(probed + cached + replica_results(context, collections))


def checked_collections(topology: Topology, targets: list[str] | None) -> set[str] | None:
    """--target: the named collections and those living in the named databases (None: all)."""
    if not targets:
        return None
    chosen = resolve_targets(targets, list(topology.databases), set(topology.collections))
    return set(chosen.collections) | {name for name, spec in topology.collections.items() if set(spec.databases) & set(chosen.databases)}


def check_topology(
    path: str | Path, *, env: str | None = None, analyze: bool = False, targets: list[str] | None = None, prewarm: bool = False
) -> CheckReport:
    """Checks every exposed collection whose databases can be reached; an unreachable database
    is one failure (run_checks), the rest is checked. --target connects only to what it needs."""
    topology = load_topology(path, env)
    collections = checked_collections(topology, targets)
    needed = None if collections is None else {topology.primary_name, *(db for c in collections for db in topology.collections[c].databases)}
    context = read_state(topology, databases=needed, tolerate_unreachable=True)
    return check_state(context, analyze=analyze, collections=collections, prewarm=prewarm)
