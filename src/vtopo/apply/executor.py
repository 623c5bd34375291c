"""The only executor: runs a plan's steps, database by database, phase by phase.

Per database: its DDL in one transaction (all or nothing), then concurrent
index builds (each checked for indisvalid; an invalid index is dropped) and
ANALYZE. Secondaries run in parallel; the primary's creates only start once
every secondary succeeded. A journal (vtopo.apply.journal) records each
database's state before and after each of its phases. An interrupt (apply.interrupt)
cancels the statements in flight, starts nothing new and records where each database
stopped.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

import psycopg

from vtopo.catalog.model import Catalog
from vtopo.diagnostics import Diagnostic
from vtopo.errors import DatabaseError, PlanError, VtopoError
from vtopo.db.connection import scrub, server_message
from vtopo.plan.model import Phase, Plan, Statement, StatementRole, Step
from vtopo.render.statements import render_query
from vtopo.render.steps import render_step
from vtopo.spec.secrets import Sensitive

from .build_progress import BuildWatcher
from .interrupt import Interrupts, NeverInterrupted
from .journal import FailureState, failure_state
from .session import LockedSessions, Timeouts, run, statement_settings

FAILURE_HINTS = {
    FailureState.rolled_back: "that database's transaction was rolled back",
    FailureState.steps_stay: "that database's transaction had committed: the steps before it stay applied",
    FailureState.nothing_applied: "nothing was applied in that database before it",
}


class Progress(Protocol):
    def step_started(self, step: Step, statement: Statement) -> None: ...
    def database_done(self, database: str, phase: Phase, count: int) -> None: ...
    # Optional: index_progress(step, report: BuildReport), a concurrent build's phase and percent.


class _NoProgress:
    def step_started(self, step: Step, statement: Statement) -> None:
        pass

    def database_done(self, database: str, phase: Phase, count: int) -> None:
        pass


class Journal(Protocol):
    """Where each database's state is recorded (vtopo.apply.journal.ApplyJournal); never raises."""

    def record(
        self, database: str, status: str, *, planned: int, applied: list[str], failed_step: str | None = None,
        error: str | None = None, rolled_back: bool | None = None, finished: bool = False,
    ) -> None: ...


class _NoJournal:
    def record(self, database: str, status: str, **_: object) -> None:
        pass


@dataclass
class DatabaseOutcome:
    database: str
    applied: list[str] = field(default_factory=list)  # labels of steps done
    failed_step: str | None = None
    error: str | None = None
    # False when the failure came after the database's transaction committed (a concurrent
    # index build, ANALYZE): its DDL stays applied.
    rolled_back: bool = True
    planned: int = 0  # steps the plan has for this database
    interrupted: bool = False  # a signal stopped it at failed_step (error says which signal)
    cleanup: str = ""  # what was done about the statement a signal stopped (an unfinished index dropped)
    # not started | running | applied | partial (stopped because another database failed) | failed | interrupted
    status: str = "not started"


@dataclass
class ApplyResult:
    outcomes: dict[str, DatabaseOutcome]

    @property
    def failed(self) -> list[DatabaseOutcome]:
        return [o for o in self.outcomes.values() if o.error and not o.interrupted]


class ApplyError(VtopoError):
    """A step failed: carries what each database already applied."""

    def __init__(self, message: str, result: ApplyResult, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result
        self.journal_problems: list[Diagnostic] = []  # set by vtopo.operations.apply: the journal could not be written


class ApplyInterrupted(ApplyError):
    """SIGINT / SIGTERM stopped the apply; exit 130 as a shell reports Ctrl-C."""

    exit_code = 130


class _Stop(Exception):
    """Raised between statements once an interrupt was received (rolls back an open transaction)."""


def with_secrets(plan: Plan, desired: Catalog) -> Plan:
    """The plan's steps with the secrets of the current topology filled in (plans never store them)."""
    steps = []
    for step in plan.steps:
        change = step.change
        after = change.after
        if after is not None and after.secrets:
            source = desired.get(after.key)
            if source is None or any(v is None for _, v in source.secrets):
                raise PlanError(
                    f"cannot find the secret for {after.label()} in database {after.database!r}",
                    hint="apply the plan with the topology file (and environment) it was made from",
                )
            change = dataclasses.replace(change, after=dataclasses.replace(after, secrets=source.secrets))
        steps.append(dataclasses.replace(step, change=change))
    return dataclasses.replace(plan, steps=steps)


def _label(step: Step) -> str:
    return f"{step.part.value} {step.change.kind.value} {step.change.name}"


def _secrets_of(steps: list[Step]) -> list[Sensitive]:
    return [value for step in steps for _, value in step.change.subject.secrets if value is not None]


def _check_rendering(steps: list[Step]) -> None:
    """Every step renders to the SQL the plan shows (checked before anything runs)."""
    for step in steps:
        if [s.sql for s in render_step(step, reveal=False)] != [s.sql for s in step.statements]:
            raise PlanError(
                f"database {step.database!r}: the SQL of {_label(step)} differs from the plan's; nothing was applied",
                hint="the plan file was edited or made by another vtopo version: run vtopo plan again",
            )


def _run_database(
    conn: psycopg.Connection, database: str, steps: list[Step], timeouts: Timeouts, progress: Progress,
    stop: Interrupts | NeverInterrupted, watch: BuildWatcher | None = None,
) -> DatabaseOutcome:
    outcome = DatabaseOutcome(database)
    rendered = [(step, render_step(step, reveal=True)) for step in steps]
    secrets = _secrets_of(steps)
    current = "(none)"
    building: str | None = None  # the index a running concurrent build makes
    committed = False
    try:
        transactional = [(s, st) for s, sts in rendered for st in sts if st.transactional]
        if transactional:
            with conn.transaction():
                timeouts.apply(conn, local=True)
                for step, statement in transactional:
                    current = _label(step)
                    if stop.requested:
                        raise _Stop
                    progress.step_started(step, statement)
                    with statement_settings(conn, statement.settings, local=True):
                        conn.execute(statement.sql.encode())
            outcome.applied.extend(dict.fromkeys(_label(s) for s, _ in transactional))
        committed = True
        for step, statements in rendered:
            for statement in (st for st in statements if not st.transactional):
                current = _label(step)
                if stop.requested:
                    raise _Stop
                is_index = statement.role is StatementRole.index
                building = statement.index_name if is_index else None
                progress.step_started(step, statement)
                timeouts.apply(conn, local=False, index=is_index)
                with statement_settings(conn, statement.settings, local=False):
                    if is_index and watch is not None:
                        with watch.build(conn, lambda report, step=step: progress.index_progress(step, report)):
                            conn.execute(statement.sql.encode())
                    else:
                        conn.execute(statement.sql.encode())
                if is_index and statement.index_name:
                    building = None
                    _check_index(conn, database, statement.index_name)
            if any(not st.transactional for st in statements):
                outcome.applied.append(_label(step))
        progress.database_done(database, steps[0].phase, len(steps))
    except (psycopg.Error, PlanError, _Stop) as error:
        outcome.failed_step = current
        outcome.rolled_back = not committed
        if stop.requested:
            outcome.interrupted = True
            outcome.error = f"interrupted by {stop.name}"
            if building:
                outcome.cleanup = _drop_unfinished(conn, building)
            return outcome
        text = error.message if isinstance(error, PlanError) else server_message(error)
        if isinstance(error, psycopg.Error) and error.sqlstate == "54000" and "maintenance_work_mem" in text:
            # pgvector refuses an IVFFlat build whose k-means does not fit: "memory required is N MB, ..."
            text += " (give the collection's index.build.maintenance_work_mem at least that much)"
        if building:
            text += " (an interrupted concurrent build leaves an invalid index: the next apply drops and rebuilds it)"
        outcome.error = scrub(text, *secrets)
    return outcome


def _drop_unfinished(conn: psycopg.Connection, index_name: str) -> str:
    """Roll back a cancelled concurrent build: drop the invalid index it left (else the next plan does)."""
    try:
        DROP_BOUND.apply(conn, local=False)  # the user is waiting to get the prompt back
        rows = run(conn, "index_valid", {"name": index_name})
        if rows and not rows[0]["valid"]:
            conn.execute(render_query("apply/drop_invalid_index.sql.j2", name=index_name).encode())
        return f"the unfinished index {index_name} was dropped" if rows and not rows[0]["valid"] else ""
    except psycopg.Error:
        return f"the unfinished index {index_name} is left invalid: the next apply drops and rebuilds it"


def _check_index(conn: psycopg.Connection, database: str, index_name: str) -> None:
    rows = run(conn, "index_valid", {"name": index_name})
    if not rows or not rows[0]["valid"]:
        conn.execute(render_query("apply/drop_invalid_index.sql.j2", name=index_name).encode())
        raise PlanError(f"index {index_name} was built but is not valid; it was dropped, the next apply rebuilds it")


PHASES = (Phase.primary_drops, Phase.secondaries, Phase.primary)
DROP_BOUND = Timeouts(lock_timeout="10s", statement_timeout="10s")


def _record(journal: Journal, outcome: DatabaseOutcome, *, finished: bool = False) -> None:
    failed = outcome.status in ("failed", "interrupted")
    journal.record(
        outcome.database,
        outcome.status,
        planned=outcome.planned,
        applied=list(outcome.applied),
        failed_step=outcome.failed_step if failed else None,
        error=outcome.error if failed else None,
        rolled_back=outcome.rolled_back if failed else None,
        finished=finished,
    )


def apply_steps(
    plan: Plan,
    sessions: LockedSessions,
    *,
    timeouts: Timeouts = Timeouts(),
    progress: Progress | None = None,
    parallel: bool = True,
    journal: Journal | None = None,
    interrupts: Interrupts | None = None,
) -> ApplyResult:
    """Run the plan's steps; stop before the next phase when a database failed or a signal came."""
    progress = progress or _NoProgress()
    journal = journal or _NoJournal()
    stop = interrupts or NeverInterrupted()
    _check_rendering(plan.steps)
    result = ApplyResult({db: DatabaseOutcome(db) for db in plan.databases})
    planned = Counter(step.database for step in plan.steps)
    last_phase = {step.database: step.phase for step in sorted(plan.steps, key=lambda s: PHASES.index(s.phase))}
    for database, count in planned.items():
        result.outcomes[database].planned = count
        _record(journal, result.outcomes[database])
    try:
        for phase in PHASES:
            _run_phase(plan, phase, sessions, result, timeouts, progress, parallel, journal, last_phase, stop)
        if stop.requested:  # it came after the last statement: everything is done, say so anyway
            raise _interrupted(result, stop)
    finally:
        # Whatever stopped the apply: databases it never reached (or left between phases) say so.
        for outcome in result.outcomes.values():
            if outcome.planned and outcome.status in ("not started", "running"):
                outcome.status = "partial" if outcome.applied else "not started"
                _record(journal, outcome, finished=True)
    return result


def _run_phase(
    plan: Plan,
    phase: Phase,
    sessions: LockedSessions,
    result: ApplyResult,
    timeouts: Timeouts,
    progress: Progress,
    parallel: bool,
    journal: Journal,
    last_phase: dict[str, Phase],
    stop: Interrupts | NeverInterrupted,
) -> None:
    by_database: dict[str, list[Step]] = {}
    for step in plan.steps:
        if step.phase is phase:
            by_database.setdefault(step.database, []).append(step)
    if not by_database:
        return
    if stop.requested:
        raise _interrupted(result, stop)
    for database in by_database:
        result.outcomes[database].status = "running"
        _record(journal, result.outcomes[database])

    def run_one(database: str) -> DatabaseOutcome:
        try:
            conn = sessions.get(database)
        except DatabaseError as error:  # its session died in an earlier phase
            message = error.message.removeprefix(f"database {database!r}: ")
            return DatabaseOutcome(database, failed_step=_label(by_database[database][0]), error=message)
        # Index progress only for displays that show it (older Progress implementations lack it).
        watch = BuildWatcher(database, sessions.dsns[database]) if hasattr(progress, "index_progress") else None
        return _run_database(conn, database, by_database[database], timeouts, progress, stop, watch)

    if parallel and len(by_database) > 1:
        with ThreadPoolExecutor(max_workers=len(by_database)) as pool:
            outcomes = list(pool.map(run_one, list(by_database)))
    else:
        outcomes = [run_one(db) for db in by_database]
    for outcome in outcomes:
        merged = result.outcomes[outcome.database]
        merged.applied.extend(outcome.applied)
        merged.failed_step, merged.error, merged.rolled_back = outcome.failed_step, outcome.error, outcome.rolled_back
        merged.interrupted, merged.cleanup = outcome.interrupted, outcome.cleanup
        if outcome.interrupted:
            merged.status = "interrupted"
        elif outcome.error:
            merged.status = "failed"
        elif last_phase[outcome.database] is phase:
            merged.status = "applied"
        _record(journal, merged, finished=merged.status != "running")
    if stop.requested:
        raise _interrupted(result, stop)
    if result.failed:
        failed = result.failed[0]
        raise ApplyError(
            f"database {failed.database!r}: {failed.failed_step} failed: {failed.error}",
            result,
            hint=FAILURE_HINTS[failure_state(rolled_back=failed.rolled_back, steps_done=len(failed.applied))]
            + "; fix the cause and run vtopo apply again",
        )


def _interrupted(result: ApplyResult, stop: Interrupts | NeverInterrupted) -> ApplyInterrupted:
    stopped = [o for o in result.outcomes.values() if o.interrupted]
    where = "; ".join(f"database {o.database!r} at {o.failed_step}" for o in stopped)
    return ApplyInterrupted(
        f"interrupted by {stop.name}{': stopped ' + where if where else ' after the last step'}",
        result,
        hint="each database is as the lines above say (a stopped transaction was rolled back); "
        "run vtopo apply again to finish the work",
    )
