"""`vtopo capacity`: sizes, cache and memory per database and collection, with advice."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from vtopo.operations.capacity import read_capacity
from vtopo.report.capacity import capacity_document, render_capacity

from .app import EnvironmentOption, TextOrJson, TopologyFileOption, command_group, topology_path
from .output import stdout

commands = command_group()


@commands.command()
def capacity(
    file: TopologyFileOption = None,
    format: Annotated[TextOrJson, typer.Option("--format", help="Output format.")] = TextOrJson.text,
    exact: Annotated[bool, typer.Option("--exact", help="Count rows exactly (a full scan of each collection).")] = False,
    env: EnvironmentOption = None,
) -> None:
    """Report rows, table and index sizes, cached index fractions and memory settings, with advice on when to shard.

    Read-only. Exits 0 when every database was read, 1 when one was unreachable (the others are
    still reported).

    Example: vtopo capacity -f topology.yaml --format json
    """
    report = read_capacity(topology_path(file), env=env, exact=exact)
    if format is TextOrJson.json:
        stdout.print_json(json.dumps(capacity_document(report)))
    else:
        stdout.print(render_capacity(report), markup=False, highlight=False)
    if report.unreachable:
        raise typer.Exit(1)
