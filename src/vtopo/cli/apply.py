"""`vtopo apply`: make the databases match the topology (or run a saved plan)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from vtopo.apply.executor import ApplyError, ApplyResult
from vtopo.apply.session import Timeouts
from vtopo.errors import PlanError
from vtopo.pipeline import ApplyOptions, apply_topology
from vtopo.plan.model import Plan
from vtopo.report.progress import ConsoleProgress
from vtopo.report.text import render_text

from .app import EnvironmentOption, TargetOption, TopologyFileOption, app, topology_path
from .check import run_and_report
from .output import stderr, stdout, warn_targeting


def _confirm(plan: Plan, auto_approve: bool, saved: bool) -> bool:
    if not saved:
        stdout.print(render_text(plan))
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


def _steps(labels: list[str], limit: int = 4) -> str:
    shown = ", ".join(labels[:limit])
    return shown + (f", … ({len(labels) - limit} more)" if len(labels) > limit else "")


def _report_outcomes(result: ApplyResult) -> None:
    """Per database: applied, failed (rolled back or not), stopped part-way, or not started,
    with the steps that stay applied, so the next step is clear."""
    for database, outcome in result.outcomes.items():
        done = len(outcome.applied)
        if outcome.error:
            if outcome.rolled_back:
                state = "its transaction was rolled back, nothing of it stays applied"
            elif not done:
                state = "nothing was applied before it"
            else:
                state = f"the {done} of {outcome.planned} step(s) before it stay applied: {_steps(outcome.applied)}"
            stderr.print("[red]✗[/] ", end="", highlight=False)
            stderr.print(f"{database}: failed at {outcome.failed_step}; {state}", markup=False, highlight=False)
        elif outcome.planned and done == outcome.planned:
            stderr.print("[green]✓[/] ", end="", highlight=False)
            stderr.print(f"{database}: applied, {done} step(s): {_steps(outcome.applied)}", markup=False, highlight=False)
        elif done:
            stderr.print("[yellow]◐[/] ", end="", highlight=False)
            stderr.print(
                f"{database}: stopped after {done} of {outcome.planned} step(s): {_steps(outcome.applied)}",
                markup=False, highlight=False,
            )
        elif outcome.planned:
            stderr.print(f"[yellow]-[/] {database}: not started ({outcome.planned} step(s) left)", highlight=False)
        else:
            stderr.print(f"[dim]-[/] {database}: nothing to do", highlight=False)
    stderr.print("`vtopo plan` shows what remains; `vtopo status` shows this apply per database.", markup=False)


def _warn_journal(problems: list[str]) -> None:
    for problem in problems:
        stderr.print("[yellow]warning:[/] ", end="")
        stderr.print(problem, markup=False, highlight=False)


@app.command()
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
    )
    with ConsoleProgress(stderr) as progress:
        try:
            outcome = apply_topology(
                topology_path(file),
                approve=lambda plan: _confirm(plan, auto_approve, saved=planfile is not None),
                plan_file=planfile,
                options=options,
                progress=progress,
                env=env,
                targets=target,
            )
        except ApplyError as error:
            _report_outcomes(error.result)
            _warn_journal(error.journal_problems)
            raise
    _warn_journal(outcome.journal_problems)
    if outcome.plan.is_empty:
        stdout.print("No changes. The databases match the topology.")
        _check(topology_path(file), no_check, env, outcome.plan.targets)
        return
    if not outcome.approved:
        stderr.print("Apply cancelled; nothing was changed.")
        raise typer.Exit(1)
    counts = outcome.plan.summary()
    stdout.print(
        f"Apply complete: {counts['create']} created, {counts['update']} updated, "
        f"{counts['replace']} replaced, {counts['delete']} deleted."
    )
    warn_targeting(outcome.plan.targets, applied=True)
    if outcome.remaining is not None and outcome.remaining.is_empty:
        stderr.print("[green]✓[/] verified: a fresh plan is empty", highlight=False)
    if outcome.remaining is not None and not outcome.remaining.is_empty:
        stderr.print("[yellow]warning:[/] the databases still differ from the topology after apply:")
        stderr.print(render_text(outcome.remaining, show_sql=False))
        raise typer.Exit(1)
    _check(topology_path(file), no_check, env, outcome.plan.targets)


def _check(path: Path, skip: bool, env: str | None, targets: list[str]) -> None:
    """Prove the wiring ships searches and filters (what `vtopo check` does)."""
    if skip:
        return
    if targets:
        # Parts outside the targets may be unapplied on purpose: checking them would fail.
        stderr.print("check skipped: the apply was targeted (run `vtopo check` when the rest is applied)", markup=False)
        return
    # apply changes the databases anyway: refreshing missing or stale foreign-table
    # statistics here is what keeps filtered searches shipped (and retries a failed ANALYZE).
    if not run_and_report(path, env=env, analyze=True):
        stderr.print("the topology is applied, but some checks failed (see above)", markup=False)
        raise typer.Exit(1)
