"""`vtopo plan`: diff the topology against every database's live catalog."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from vtopo.operations.plan import PlanContext, command_line, make_plan, reachable_targets, replica_notes
from vtopo.plan.document import plan_document, write_plan
from vtopo.report.markdown import render_markdown
from vtopo.report.targeting import unreachable_lines
from vtopo.report.text import render_text

from .app import EnvironmentOption, TargetOption, TopologyFileOption, command_group, topology_path
from .output import print_lines, stderr, stdout, warn_targeting

commands = command_group()


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@commands.command()
def plan(
    file: TopologyFileOption = None,
    format: Annotated[PlanFormat, typer.Option("--format", help="Output format.")] = PlanFormat.text,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Save the plan for `vtopo apply PLANFILE`.")] = None,
    detailed_exitcode: Annotated[
        bool, typer.Option("--detailed-exitcode", help="Exit 0 when nothing changes, 2 when changes are pending, 1 on error.")
    ] = False,
    sql: Annotated[bool, typer.Option("--sql/--no-sql", help="Show each change's SQL in text output.")] = True,
    env: EnvironmentOption = None,
    target: TargetOption = None,
) -> None:
    """Show what apply would change, across the primary and every secondary.

    Example: vtopo plan -f topology.yaml --out plan.json --detailed-exitcode
    Example: vtopo plan --env staging --target docs --format markdown > plan.md
    """
    with stderr.status("reading the live catalogs…"):
        result, context = make_plan(topology_path(file), env=env, targets=target)
    warn_targeting(result.targets)
    if format is PlanFormat.json:
        stdout.print_json(json.dumps(plan_document(result)))
    elif format is PlanFormat.markdown:
        typer.echo(render_markdown(result))
    else:
        stdout.print(render_text(result, show_sql=sql))
    if context.unreachable:
        show_unreachable(context, "plan", proceed_with="apply")
        if out is not None:
            stderr.print(f"{out} was not written: a plan without every database cannot be applied", markup=False)
        raise typer.Exit(1)
    if out is not None:
        # After showing it: the plan file is the artifact as it was shown.
        write_plan(result, out)
        stderr.print(f"Saved the plan to {out}; run: vtopo apply {out}", markup=False)
    if detailed_exitcode and not result.is_empty:
        raise typer.Exit(2)


def show_unreachable(context: PlanContext, covered: str, *, proceed_with: str | None = None) -> None:
    """A partial outage: each unreachable database once (what `covered` leaves out), and the
    targeted `proceed_with` command that works without them."""
    topology = context.topology
    reasons = {db: (error.message, error.hint) for db, error in context.unreachable.items()}
    if proceed_with is None:
        print_lines(stderr, unreachable_lines(reasons, None, covered=covered, suggest=False))
        return
    proceed = reachable_targets(topology, set(context.unreachable))
    line = command_line(proceed_with, str(topology.source_path), topology.environment, proceed) if proceed else None
    print_lines(stderr, unreachable_lines(reasons, line, covered=covered))
    print_lines(stderr, [f"note: {note}" for note in replica_notes(topology, set(context.unreachable))])
