"""`vtopo plan`: the topology and the live catalogs, diffed into an ordered plan."""

from __future__ import annotations

import shlex
from pathlib import Path

from vtopo.catalog.model import Catalog, ObjectKind
from vtopo.diff.engine import diff_catalogs
from vtopo.diff.targets import Targets, filter_catalog, resolve_targets, select_keys
from vtopo.errors import PlanError
from vtopo.introspect.live import count_rows
from vtopo.introspect.state import PlanContext, read_state
from vtopo.plan.build import build_plan
from vtopo.plan.hazards import collections_needing_counts
from vtopo.plan.model import Plan
from vtopo.introspect.preflight import check_extensions, check_vector_compatibility, unreadable_secret_notes
from vtopo.shards.rebalance import plan_rebalances
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology

__all__ = [
    "PlanContext", "database_order", "make_plan", "needed_databases", "plan_from_state", "read_state",
    "reachable_targets", "targeted_catalogs",
]


def database_order(topology: Topology) -> list[str]:
    """Secondaries in file order, then the primary."""
    primary = topology.primary_name
    return [name for name in topology.databases if name != primary] + [primary]


def needed_databases(topology: Topology, targets: list[str] | None) -> set[str] | None:
    """The databases a plan for `targets` reads (None: all of them). A target covers objects in
    its database (a collection's: where its rows live) and on the primary, never elsewhere, so
    a secondary that is down does not stop a plan that does not touch it."""
    if not targets:
        return None
    try:
        chosen = resolve_targets(targets, list(topology.databases), set(topology.collections))
    except PlanError:
        return None  # a name the file does not know may be a live collection: read all, and let the real check speak
    return {topology.primary_name, *chosen.databases,
            *(database for name in chosen.collections for database in topology.collections[name].databases)}


def replica_notes(topology: Topology, unreachable: set[str]) -> list[str]:
    """For an unreachable database with replicas: reads go on, changes wait for its own server."""
    notes = []
    for database in sorted(unreachable):
        spec = topology.databases.get(database)
        count = len(spec.replicas) if spec is not None else 0
        if count:
            notes.append(
                f"{database} has {count} replica{'s' if count > 1 else ''}: reads through the primary and direct reads "
                f"go on from {'them' if count > 1 else 'it'}, but changes (DDL) need {database}'s own server "
                f"(databases.{database}.dsn); vtopo never writes to a replica"
            )
    return notes


def reachable_targets(topology: Topology, unreachable: set[str]) -> list[str] | None:
    """--target values that cover everything but what the unreachable databases serve: the
    reachable secondaries (with their collections' primary side) and the primary's own
    collections. None when nothing can proceed (the primary is down: every target needs it;
    or nothing else is left)."""
    primary = topology.primary_name
    if primary in unreachable:
        return None
    names = [db for db in database_order(topology) if db != primary and db not in unreachable]
    names += [name for name, spec in topology.collections.items() if spec.database == primary]
    both = set(topology.databases) & set(topology.collections)
    labels = [(f"databases.{n}" if n in topology.databases else f"collections.{n}") if n in both else n for n in names]
    return labels or None


def command_line(command: str, source: str, environment: str | None, targets: list[str]) -> str:
    """`vtopo COMMAND -f FILE [--env NAME] --target A --target B`, shell-quoted."""
    words = ["vtopo", command, "-f", source, *(["--env", environment] if environment else [])]
    words += [word for target in targets for word in ("--target", target)]
    return " ".join(shlex.quote(word) for word in words)


def targeted_catalogs(
    context: PlanContext, targets: list[str] | None, *, strict: bool = True
) -> tuple[Catalog, Catalog, Targets | None]:
    """The desired and live catalogs cut down to the targets (both whole without targets), and
    always to the databases whose live state was read (a partial outage plans the rest)."""
    read = context.read
    if not targets:
        if context.complete:
            return context.desired, context.live, None
        keys = {obj.key for obj in [*context.desired, *context.live] if obj.database in read}
        return filter_catalog(context.desired, keys), filter_catalog(context.live, keys), None
    known = set(context.topology.collections) | {o.name for o in context.live if o.kind is ObjectKind.collection}
    chosen = resolve_targets(targets, list(context.topology.databases), known, strict=strict)
    keys = {key for key in select_keys(chosen, context.desired, context.live) if key[0] in read}
    return filter_catalog(context.desired, keys), filter_catalog(context.live, keys), chosen


def plan_from_state(context: PlanContext, targets: list[str] | None = None, *, strict_targets: bool = True) -> Plan:
    """The plan for the whole topology, or only for `targets` (database keys / collection names)."""
    topology = context.topology
    desired, live, chosen = targeted_catalogs(context, targets, strict=strict_targets)
    check_extensions(desired, context.facts)
    wired = sorted({db for spec in topology.collections.values() if spec.expose for db in spec.databases if db != topology.primary_name})
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
    collections = None if chosen is None else set(chosen.collections) | {
        name for name, spec in topology.collections.items() if set(spec.databases) & set(chosen.databases)}
    plan.rebalances = [r.as_dict() for r in plan_rebalances(topology, context.shard_states, context.resolved, collections)]
    return plan


def make_plan(path: str | Path, *, env: str | None = None, targets: list[str] | None = None) -> tuple[Plan, PlanContext]:
    """env: the topology file's environment (None: $VTOPO_ENV, else the base).

    A targeted plan reads only the databases it needs (an unreachable one among them fails);
    a full plan goes on without unreachable databases: the plan covers the rest and
    `context.unreachable` names what is missing (the CLI exits 1 then)."""
    topology = load_topology(path, env)
    context = read_state(topology, databases=needed_databases(topology, targets), tolerate_unreachable=not targets)
    return plan_from_state(context, targets), context
