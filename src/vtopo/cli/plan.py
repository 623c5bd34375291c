"""`vtopo plan`: diff the topology against every database's live catalog."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from vtopo.operations.plan import make_plan
from vtopo.plan.document import plan_document, write_plan
from vtopo.report.markdown import render_markdown
from vtopo.report.text import render_text

from .app import EnvironmentOption, TargetOption, TopologyFileOption, command_group, topology_path
from .output import stderr, stdout, warn_targeting

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
        result, _ = make_plan(topology_path(file), env=env, targets=target)
    warn_targeting(result.targets)
    if format is PlanFormat.json:
        stdout.print_json(json.dumps(plan_document(result)))
    elif format is PlanFormat.markdown:
        typer.echo(render_markdown(result))
    else:
        stdout.print(render_text(result, show_sql=sql))
    if out is not None:
        # After showing it: the plan file is the artifact as it was shown.
        write_plan(result, out)
        stderr.print(f"Saved the plan to {out}; run: vtopo apply {out}", markup=False)
    if detailed_exitcode and not result.is_empty:
        raise typer.Exit(2)
