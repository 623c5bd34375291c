"""`vtopo apply`: make the databases match the topology (or run a saved plan)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vtopo.apply.executor import ApplyError, ApplyInterrupted
from vtopo.apply.session import Timeouts
from vtopo.errors import PlanError
from vtopo.operations.apply import ApplyOptions, ApplyOutcome, apply_topology
from vtopo.plan.model import Plan
from vtopo.report import apply as apply_report
from vtopo.report.diagnostics import diagnostic_line
from vtopo.report.progress import ConsoleProgress
from vtopo.report.text import render_text

from .app import EnvironmentOption, TargetOption, TopologyFileOption, command_group, topology_path
from .check import show_check
from .output import print_lines, stderr, stdout, warn_targeting

commands = command_group()


def _confirm(plan: Plan, auto_approve: bool, saved: bool, show_sql: bool = True) -> bool:
    if not saved:
        stdout.print(render_text(plan, show_sql=show_sql))
    warn_targeting(plan.targets)
    if auto_approve or saved:
        return True  # a saved plan was reviewed when it was made, as with terraform apply PLANFILE
    if not sys.stdin.isatty():
        raise PlanError(
            "no terminal to confirm on; nothing was applied",
            hint="pass --auto-approve (CI), or review with `vtopo plan --out FILE` and run `vtopo apply FILE`",
        )
    answer = typer.prompt("Apply these changes? Only 'yes' is accepted", default="", show_default=False, err=True)
    return answer.strip() == "yes"


@commands.command()
def apply(
    planfile: Annotated[Path | None, typer.Argument(help="A plan saved by `vtopo plan --out`; run exactly it.")] = None,
    file: TopologyFileOption = None,
    auto_approve: Annotated[bool, typer.Option("--auto-approve", help="Do not ask for confirmation.")] = False,
    allow_destroy: Annotated[bool, typer.Option("--allow-destroy", help="Allow changes that drop collections holding rows.")] = False,
    lock_wait: Annotated[float, typer.Option("--lock-wait", help="Seconds to wait for another apply's lock.")] = 60.0,
    lock_timeout: Annotated[str, typer.Option("--lock-timeout", help="lock_timeout for every statement.")] = "10s",
    statement_timeout: Annotated[str, typer.Option("--statement-timeout", help="statement_timeout for DDL.")] = "5min",
    index_timeout: Annotated[str, typer.Option("--index-timeout", help="statement_timeout and lock_timeout for concurrent index builds, which wait for older transactions (0: none).")] = "0",
    no_check: Annotated[bool, typer.Option("--no-check", help="Skip `vtopo check` after applying.")] = False,
    sql: Annotated[bool, typer.Option("--sql/--no-sql", help="Show each change's SQL in the plan shown before applying.")] = True,
    env: EnvironmentOption = None,
    target: TargetOption = None,
) -> None:
    """Apply the topology: secondaries first, then the primary, each in one transaction.

    Example: vtopo apply -f topology.yaml --auto-approve
    Example: vtopo apply plan.json      (exactly a plan saved by `vtopo plan --out plan.json`)
    """
    options = ApplyOptions(
        allow_destroy=allow_destroy,
        lock_wait=lock_wait,
        timeouts=Timeouts(lock_timeout=lock_timeout, statement_timeout=statement_timeout, index_timeout=index_timeout),
        check=not no_check,
    )
    with ConsoleProgress(stderr) as progress:
        try:
            outcome = apply_topology(
                topology_path(file),
                approve=lambda plan: _confirm(plan, auto_approve, saved=planfile is not None, show_sql=sql),
                plan_file=planfile,
                options=options,
                progress=progress,
                env=env,
                targets=target,
            )
        except ApplyError as error:
            progress.close()  # the live status line goes before the outcome lines
            print_lines(stderr, apply_report.outcome_lines(error.result))
            print_lines(stderr, [diagnostic_line(problem) for problem in error.journal_problems])
            if isinstance(error, ApplyInterrupted):
                # Not an error of the topology: the per-database lines say what stands.
                print_lines(stderr, [error.message, f"hint: {error.hint}"])
                raise typer.Exit(error.exit_code) from None
            raise
    show_outcome(outcome)


def show_outcome(outcome: ApplyOutcome) -> None:
    """The apply's result, then the closing check's; exit 1 when either leaves work to do."""
    print_lines(stderr, [diagnostic_line(problem) for problem in outcome.journal_problems])
    if outcome.plan.is_empty:
        stdout.print(apply_report.NO_CHANGES)
        print_lines(stderr, apply_report.prewarm_lines(outcome.prewarmed))
        _show_check(outcome)
        return
    if not outcome.approved:
        stderr.print(apply_report.CANCELLED)
        raise typer.Exit(1)
    stdout.print(apply_report.apply_summary(outcome.plan))
    warn_targeting(outcome.plan.targets, applied=True)
    if outcome.remaining is not None and outcome.remaining.is_empty:
        stderr.print(apply_report.VERIFIED)
    print_lines(stderr, [diagnostic_line(problem) for problem in outcome.replicas_behind])
    print_lines(stderr, apply_report.prewarm_lines(outcome.prewarmed))
    if outcome.remaining is not None and not outcome.remaining.is_empty:
        stderr.print(apply_report.STILL_DIFFERENT)
        stderr.print(render_text(outcome.remaining, show_sql=False))
        raise typer.Exit(1)
    _show_check(outcome)


def _show_check(outcome: ApplyOutcome) -> None:
    """Prove the wiring ships searches and filters (what `vtopo check` does)."""
    closing = outcome.check
    if closing is None:
        return
    if closing.targeted:
        stderr.print(apply_report.CHECK_SKIPPED, markup=False)
        return
    if closing.error is not None:
        raise closing.error
    show_check(closing.report)
    if not closing.report.passed:
        stderr.print(apply_report.CHECK_FAILED, markup=False)
        raise typer.Exit(1)
