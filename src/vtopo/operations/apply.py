"""`vtopo apply`: lock every database, plan (or take a saved plan), run it, verify, check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol, runtime_checkable

from vtopo.apply.executor import ApplyError, ApplyResult, Progress, apply_steps, with_secrets
from vtopo.apply.interrupt import Interrupts
from vtopo.apply.journal import ApplyJournal
from vtopo.apply.session import LockedSessions, Timeouts
from vtopo.desired.build import build_desired
from vtopo.diagnostics import Diagnostic
from vtopo.errors import PlanError, VtopoError
from vtopo.introspect.state import PlanContext, read_state
from vtopo.plan.document import read_plan
from vtopo.plan.model import Plan
from vtopo.prewarm import IndexCache, warm_indexes
from vtopo.replication import wait_for_replicas
from vtopo.shards.mover import Mover
from vtopo.shards.rebalance import Rebalance, primary_objects, read_states
from vtopo.shards.state import ShardState
from vtopo.spec.loader import load_topology
from vtopo.spec.models import Topology
from vtopo.spec.resolve import resolve_topology

from .check import CheckReport, check_state
from .plan import needed_databases, plan_from_state
from .preconditions import check_fresh, check_hazards, refuse_unreachable

__all__ = ["ApplyOptions", "ApplyOutcome", "ClosingCheck", "Stages", "apply_topology", "check_hazards"]


@dataclass(frozen=True)
class ApplyOptions:
    allow_destroy: bool = False
    lock_wait: float = 60.0
    timeouts: Timeouts = Timeouts()
    parallel: bool = True
    verify: bool = True
    journal: bool = True  # record each database's state in the primary's apply journal (vtopo status)
    check: bool = False  # run `vtopo check --analyze` once the topology is applied (the CLI's default)


@dataclass(frozen=True)
class ClosingCheck:
    """`vtopo check` after apply; not run after a targeted apply (parts outside the targets
    may be unapplied on purpose: checking them would fail)."""

    targeted: bool = False
    report: CheckReport | None = None
    error: VtopoError | None = None  # the check could not run; the apply itself stands


@dataclass
class ApplyOutcome:
    plan: Plan
    result: ApplyResult | None  # None when there was nothing to do or it was not approved
    approved: bool
    remaining: Plan | None = None  # a fresh plan after apply; empty when the topology converged
    journal_problems: list[Diagnostic] = field(default_factory=list)  # the journal could not be written (warnings)
    check: ClosingCheck | None = None  # with ApplyOptions(check=True), once nothing remains to apply
    prewarmed: list[IndexCache] = field(default_factory=list)  # `prewarm: true` indexes loaded once converged
    replicas_behind: list[Diagnostic] = field(default_factory=list)  # replicas that had not replayed the changes (warnings)


@runtime_checkable
class Stages(Protocol):
    """A progress display that can also name a long stage after the steps (the closing check)."""

    def stage(self, label: str) -> None: ...


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
    saved = read_plan(plan_file) if plan_file is not None else None
    # A targeted apply connects only to the databases its targets need; a full one to all,
    # and it refuses (naming the --target line that would proceed) while one is unreachable.
    needed = needed_databases(topology, saved.targets if saved is not None else targets)
    dsns = {db: dsn for db, dsn in resolved.dsns.items() if needed is None or db in needed}
    context: PlanContext | None
    with LockedSessions(dsns, lock_wait=options.lock_wait, topology_name=topology.name,
                        tolerate_unreachable=needed is None) as sessions:
        if sessions.unreachable:
            raise refuse_unreachable(topology, sessions.unreachable)
        context = read_state(topology, resolved, databases=needed)
        if saved is not None:
            plan = saved
            check_fresh(plan, context)
        else:
            plan = plan_from_state(context, targets)
        if plan.is_empty:
            outcome = ApplyOutcome(plan, None, approved=True)
        else:
            check_hazards(plan, options.allow_destroy)
            if not approve(plan):
                return ApplyOutcome(plan, None, approved=False)
            result, problems = _run_plan(plan, context, sessions, options, progress)
            outcome = ApplyOutcome(plan, result, approved=True, journal_problems=problems)
            if plan.rebalances and not result.failed:
                _rebalance(plan, resolved, progress)
                if any(r["released"] for r in plan.rebalances):
                    # The emptied shards' parts go now (the plan said so): a plan of just that.
                    moved = read_state(topology, resolved, databases=needed)
                    follow = plan_from_state(moved, plan.targets, strict_targets=False)
                    if follow.changes and not follow.rebalances:
                        check_hazards(follow, options.allow_destroy)
                        _run_plan(follow, moved, sessions, options, progress)
            context = None  # the apply changed the databases
    if outcome.result is not None and options.verify:
        # Verified within the same targets; a targeted collection the apply dropped is no longer known.
        context = read_state(topology, resolved, databases=needed)
        outcome.remaining = plan_from_state(context, plan.targets, strict_targets=False)
    if outcome.result is not None:
        # Reads through the primary may land on a replica: it must have the changes too.
        outcome.replicas_behind = wait_for_replicas(resolved, {change.database for change in plan.changes})
    converged = plan.is_empty or (outcome.remaining is not None and outcome.remaining.is_empty)
    if converged and (outcome.result is None or not outcome.result.failed):
        outcome.prewarmed = warm_indexes(resolved, needed, load=True)
    if options.check and (outcome.remaining is None or outcome.remaining.is_empty):
        outcome.check = _closing_check(topology, context, plan.targets, progress)
    return outcome


def _run_plan(
    plan: Plan, context: PlanContext, sessions: LockedSessions, options: ApplyOptions, progress: Progress | None
) -> tuple[ApplyResult, list[Diagnostic]]:
    journal = _journal_for(plan, context) if options.journal else None
    try:
        with Interrupts(cancel=sessions.cancel_running) as interrupts:
            result = apply_steps(
                with_secrets(plan, context.desired), sessions, timeouts=options.timeouts, progress=progress,
                parallel=options.parallel, journal=journal, interrupts=interrupts,
            )
    except ApplyError as error:
        error.journal_problems = list(journal.problems) if journal else []
        raise
    finally:
        if journal is not None:
            journal.close()
    return result, list(journal.problems) if journal else []


class RebalanceInterrupted(PlanError):
    exit_code = 130


def _rebalance(plan: Plan, resolved, progress: Progress | None) -> None:
    """Move the buckets the plan moves, from the state in effect now (a saved plan's moves are
    re-read: the state is the primary's, and a batch already moved is not moved again)."""
    topology = resolved.topology
    states = read_states(resolved)

    def primary_objects_for(name: str, state: ShardState) -> list:
        return primary_objects(build_desired(topology, resolved.fdw_targets, {name: state}), topology, name)

    mover = Mover(resolved, primary_objects_for, progress if hasattr(progress, "moved") else None)
    for data in plan.rebalances:
        rebalance = Rebalance.from_dict(data)
        if rebalance.collection not in states:
            continue
        try:
            mover.run(rebalance, states[rebalance.collection])
        except KeyboardInterrupt:
            # Each step is its own transaction: what was in flight rolled back, the rest stands.
            raise RebalanceInterrupted(
                f"interrupted while moving the buckets of {rebalance.collection}: reads through the primary still "
                "return every row once",
                hint=f"run vtopo apply -f {topology.source_path} again to finish (vtopo plan shows what is left)",
            ) from None


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


def _closing_check(
    topology: Topology, context: PlanContext | None, targets: list[str], progress: Progress | None
) -> ClosingCheck:
    if targets:
        return ClosingCheck(targeted=True)
    if isinstance(progress, Stages):
        progress.stage("checking query plans…")
    try:
        # apply changes the databases anyway: refreshing missing or stale foreign-table
        # statistics here is what keeps filtered searches shipped (and retries a failed ANALYZE).
        return ClosingCheck(report=check_state(context or read_state(topology), analyze=True))
    except VtopoError as error:
        return ClosingCheck(error=error)
