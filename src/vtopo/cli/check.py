"""`vtopo check`: are searches and filters through the primary shipped to the secondaries?"""

from __future__ import annotations

import json
from enum import Enum
from typing import Annotated

import typer

from vtopo.check.probe import run_checks
from vtopo.pipeline import read_state
from vtopo.report.check import check_document, render_check_text
from vtopo.spec.loader import load_topology

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr, stdout


class CheckFormat(str, Enum):
    text = "text"
    json = "json"


def run_and_report(path, format: CheckFormat = CheckFormat.text, *, analyze: bool = False, env: str | None = None) -> bool:
    """Run every check, print the report; True when nothing failed."""
    with stderr.status("checking query plans…"):
        results = run_checks(read_state(load_topology(path, env)), analyze=analyze)
    if format is CheckFormat.json:
        stdout.print_json(json.dumps(check_document(results)))
    else:
        stdout.print(render_check_text(results))
    return not any(r.passed is False for r in results)


@app.command()
def check(
    file: TopologyFileOption = None,
    format: Annotated[CheckFormat, typer.Option("--format", help="Output format.")] = CheckFormat.text,
    analyze: Annotated[
        bool, typer.Option("--analyze", help="ANALYZE foreign tables whose statistics are missing or stale.")
    ] = False,
    env: EnvironmentOption = None,
) -> None:
    """EXPLAIN searches and filters through the primary and verify they are shipped and indexed.

    Example: vtopo check -f topology.yaml
    """
    if not run_and_report(topology_path(file), format, analyze=analyze, env=env):
        raise typer.Exit(1)
