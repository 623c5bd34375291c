"""`vtopo status`: the last apply per database, from the apply journal on the primary."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from vtopo.operations.status import read_status
from vtopo.report.status import render_status, status_document

from .app import EnvironmentOption, TextOrJson, TopologyFileOption, command_group, topology_path
from .output import stdout

commands = command_group()


@commands.command()
def status(
    file: TopologyFileOption = None,
    format: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
    env: EnvironmentOption = None,
) -> None:
    """Show the last apply per database: applied, failed (which step, why), stopped part-way, or not started.

    Reads vtopo's apply journal on the primary (only the primary's DSN is needed).

    Example: vtopo status -f topology.yaml --format json
    """
    result = read_status(topology_path(file), env=env)
    if format is TextOrJson.json:
        stdout.print_json(json.dumps(status_document(result)))
    else:
        stdout.print(render_status(result), markup=False, highlight=False)
