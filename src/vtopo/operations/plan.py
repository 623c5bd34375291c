"""`vtopo plan`: the topology and the live catalogs, diffed into an ordered plan."""

from __future__ import annotations

from pathlib import Path

from vtopo.catalog.model import Catalog, ObjectKind
from vtopo.diff.engine import diff_catalogs
from vtopo.diff.targets import Targets, filter_catalog, resolve_targets, select_keys
from vtopo.introspect.live import count_rows
from vtopo.introspect.state import PlanContext, read_state
from vtopo.plan.build import build_plan
from vtopo.plan.hazards import collections_needing_counts
from vtopo.plan.model import Plan
from vtopo.introspect.preflight import check_extensions, check_vector_compatibility, unreadable_secret_notes
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology

__all__ = ["PlanContext", "database_order", "make_plan", "plan_from_state", "read_state", "targeted_catalogs"]


def database_order(topology: Topology) -> list[str]:
    """Secondaries in file order, then the primary."""
    primary = topology.primary_name
    return [name for name in topology.databases if name != primary] + [primary]


def targeted_catalogs(
    context: PlanContext, targets: list[str] | None, *, strict: bool = True
) -> tuple[Catalog, Catalog, Targets | None]:
    """The desired and live catalogs cut down to the targets (both whole without targets)."""
    if not targets:
        return context.desired, context.live, None
    known = set(context.topology.collections) | {o.name for o in context.live if o.kind is ObjectKind.collection}
    chosen = resolve_targets(targets, list(context.topology.databases), known, strict=strict)
    keys = select_keys(chosen, context.desired, context.live)
    return filter_catalog(context.desired, keys), filter_catalog(context.live, keys), chosen


def plan_from_state(context: PlanContext, targets: list[str] | None = None, *, strict_targets: bool = True) -> Plan:
    """The plan for the whole topology, or only for `targets` (database keys / collection names)."""
    topology = context.topology
    desired, live, chosen = targeted_catalogs(context, targets, strict=strict_targets)
    check_extensions(desired, context.facts)
    wired = sorted({spec.database for spec in topology.collections.values() if spec.expose and spec.database != topology.primary_name})
    compatibility_notes = check_vector_compatibility(topology.primary_name, wired, context.facts)
    changes = diff_catalogs(desired, live)
    row_counts: dict[tuple[str, str], int] = {}
    for database, names in collections_needing_counts(changes).items():
        for name, rows in count_rows(database, context.resolved.dsns[database], names).items():
            row_counts[(database, name)] = rows
    plan = build_plan(
        topology_name=topology.name,
        primary=topology.primary_name,
        databases=database_order(topology),
        changes=changes,
        live=context.live,
        row_counts=row_counts,
        prevent_destroy={name for name, spec in topology.collections.items() if spec.prevent_destroy},
        targets=list(chosen.labels) if chosen else None,
    )
    if plan.steps:  # only a plan with SQL to show imports Jinja (a no-op plan starts faster)
        from vtopo.render.steps import render_plan

        render_plan(plan)
    plan.notes = compatibility_notes + unreadable_secret_notes(desired, live)
    plan.environment = topology.environment
    return plan


def make_plan(path: str | Path, *, env: str | None = None, targets: list[str] | None = None) -> tuple[Plan, PlanContext]:
    """env: the topology file's environment (None: $VTOPO_ENV, else the base)."""
    context = read_state(load_topology(path, env))
    return plan_from_state(context, targets), context
