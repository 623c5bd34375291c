"""The pipeline wired together: load → desired/live catalog → diff → plan.

Commands call these functions; they hold no output formatting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from vtopo.apply.executor import ApplyError, ApplyResult, Progress, apply_steps, with_secrets
from vtopo.apply.journal import ApplyJournal
from vtopo.apply.session import LockedSessions, Timeouts

from vtopo.catalog.desired import build_desired
from vtopo.catalog.model import Catalog, ObjectKind, fingerprint
from vtopo.catalog.targets import Targets, filter_catalog, resolve_targets, select_keys
from vtopo.diff.engine import diff_catalogs
from vtopo.introspect.live import DatabaseFacts, Wanted, count_rows, introspect_all, live_catalog
from vtopo.errors import PlanError
from vtopo.plan.build import build_plan
from vtopo.plan.document import read_plan
from vtopo.plan.hazards import collections_needing_counts
from vtopo.plan.preflight import check_extensions, check_vector_compatibility, unreadable_secret_notes
from vtopo.plan.model import Plan
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology
from vtopo.spec.resolve import ResolvedTopology, resolve_topology


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


def database_order(topology: Topology) -> list[str]:
    """Secondaries in file order, then the primary."""
    primary = topology.primary_name
    return [name for name in topology.databases if name != primary] + [primary]


def read_state(topology: Topology) -> PlanContext:
    resolved = resolve_topology(topology)
    desired = build_desired(topology, resolved.fdw_targets)
    wanted = {db: Wanted.from_catalog(desired, db) for db in topology.databases}
    facts = introspect_all(resolved.dsns, wanted)
    return PlanContext(resolved=resolved, desired=desired, live=live_catalog(facts), facts=facts)


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
    plan.notes = compatibility_notes + unreadable_secret_notes(desired, live)
    plan.environment = topology.environment
    return plan


def make_plan(path: str | Path, *, env: str | None = None, targets: list[str] | None = None) -> tuple[Plan, PlanContext]:
    """env: the topology file's environment (None: $VTOPO_ENV, else the base)."""
    context = read_state(load_topology(path, env))
    return plan_from_state(context, targets), context


@dataclass(frozen=True)
class ApplyOptions:
    allow_destroy: bool = False
    lock_wait: float = 60.0
    timeouts: Timeouts = Timeouts()
    parallel: bool = True
    verify: bool = True
    journal: bool = True  # record each database's state in the primary's apply journal (vtopo status)


@dataclass
class ApplyOutcome:
    plan: Plan
    result: ApplyResult | None  # None when there was nothing to do or it was not approved
    approved: bool
    remaining: Plan | None = None  # a fresh plan after apply; empty when the topology converged
    journal_problems: list[str] = field(default_factory=list)  # the journal could not be written (warnings)


def check_hazards(plan: Plan, allow_destroy: bool) -> None:
    """Refuse blocking hazards: always for prevent_destroy, otherwise unless --allow-destroy."""
    refusals = []
    for change, hazard in plan.blocking_hazards:
        where = f"database {change.database!r}"
        if hazard.prevented:
            refusals.append(f"{where}: collection {change.name} has prevent_destroy: true; {hazard.message}")
        elif not allow_destroy:
            refusals.append(f"{where}: {hazard.message}")
    if refusals:
        prevented = any(h.prevented for _, h in plan.blocking_hazards)
        raise PlanError(
            "refusing to destroy data:\n" + "\n".join(refusals),
            hint=(
                "remove prevent_destroy from the collection first"
                if prevented
                else "nothing was changed; re-run with --allow-destroy if the data may go"
            ),
        )


def apply_topology(
    path: str | Path,
    *,
    approve: Callable[[Plan], bool],
    plan_file: Path | None = None,
    options: ApplyOptions = ApplyOptions(),
    progress: Progress | None = None,
    env: str | None = None,
    targets: list[str] | None = None,
) -> ApplyOutcome:
    """Lock every database, (re)read the live state, check or make the plan, run it.

    targets limit a fresh plan; a saved plan carries its own."""
    if plan_file is not None and targets:
        raise PlanError("--target cannot be used with a saved plan", hint="the plan file keeps the targets it was made with")
    topology = load_topology(path, env)
    resolved = resolve_topology(topology)
    with LockedSessions(resolved.dsns, lock_wait=options.lock_wait, topology_name=topology.name) as sessions:
        context = read_state(topology)
        if plan_file is not None:
            plan = read_plan(plan_file)
            _check_fresh(plan, context)
        else:
            plan = plan_from_state(context, targets)
        if plan.is_empty:
            return ApplyOutcome(plan, None, approved=True)
        check_hazards(plan, options.allow_destroy)
        if not approve(plan):
            return ApplyOutcome(plan, None, approved=False)
        journal = _journal_for(plan, context) if options.journal else None
        try:
            result = apply_steps(
                with_secrets(plan, context.desired), sessions, timeouts=options.timeouts, progress=progress,
                parallel=options.parallel, journal=journal,
            )
        except ApplyError as error:
            error.journal_problems = list(journal.problems) if journal else []
            raise
        finally:
            if journal is not None:
                journal.close()
    # Verified within the same targets; a targeted collection the apply dropped is no longer known.
    remaining = plan_from_state(read_state(topology), plan.targets, strict_targets=False) if options.verify else None
    return ApplyOutcome(plan, result, approved=True, remaining=remaining, journal_problems=list(journal.problems) if journal else [])


def _journal_for(plan: Plan, context: PlanContext) -> ApplyJournal:
    """The journal on the primary; every secret of the topology is scrubbed from what it stores."""
    resolved = context.resolved
    primary = context.topology.primary_name
    return ApplyJournal(
        primary,
        resolved.dsns[primary],
        secrets=resolved.secrets(),
        topology=context.topology.name,
        environment=context.topology.environment,
        targets=plan.targets,
    )


def _check_fresh(plan: Plan, context: PlanContext) -> None:
    if plan.environment != context.topology.environment:
        raise PlanError(
            f"the plan was made for {_environment_label(plan.environment)} but apply runs with "
            f"{_environment_label(context.topology.environment)}; nothing was applied",
            hint="run apply with the plan's --env, or make a new plan",
        )
    stale = [
        db
        for db in plan.databases
        if plan.fingerprints.get(db) != fingerprint(context.live.in_database(db))
    ]
    if set(plan.databases) != set(database_order(context.topology)):
        raise PlanError("the plan was made for other databases than the topology lists", hint="run vtopo plan again")
    if stale:
        raise PlanError(
            f"plan is stale: the live state of {', '.join(stale)} changed since the plan was made; nothing was applied",
            hint="run vtopo plan again",
        )


def _environment_label(name: str | None) -> str:
    return f"environment {name!r}" if name else "the base topology (no --env)"
