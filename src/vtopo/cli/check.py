"""`vtopo check`: are searches and filters through the primary shipped to the secondaries?"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from vtopo.operations.check import CheckReport, check_topology
from vtopo.report.check import check_document, render_check_text

from .app import EnvironmentOption, TargetOption, TextOrJson, TopologyFileOption, command_group, topology_path
from .output import stderr, stdout

commands = command_group()


def show_check(report: CheckReport, format: TextOrJson = TextOrJson.text) -> None:
    if format is TextOrJson.json:
        stdout.print_json(json.dumps(check_document(report.results)))
    else:
        stdout.print(render_check_text(report.results))


@commands.command()
def check(
    file: TopologyFileOption = None,
    format: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
    analyze: Annotated[
        bool, typer.Option("--analyze", help="Pin foreign-table statistics where they are not vtopo's pinned ones (what apply does).")
    ] = False,
    prewarm: Annotated[
        bool, typer.Option("--prewarm", help="Load the vector indexes of `prewarm: true` collections into shared buffers first (pg_prewarm).")
    ] = False,
    env: EnvironmentOption = None,
    target: TargetOption = None,
) -> None:
    """EXPLAIN searches and filters through the primary and verify they are shipped and indexed.

    A database that cannot be reached is one failure; the collections elsewhere are checked.

    Example: vtopo check -f topology.yaml
    Example: vtopo check --target docs      (only that collection, or a database's collections)
    """
    with stderr.status("checking query plans…"):
        report = check_topology(topology_path(file), env=env, analyze=analyze, targets=target, prewarm=prewarm)
    show_check(report, format)
    if not report.passed:
        raise typer.Exit(1)
