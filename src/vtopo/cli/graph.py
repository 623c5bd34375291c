"""`vtopo graph`: draw the topology (or, with --live, what the databases hold, drift marked)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Annotated

import typer

from vtopo.graph import GraphFormat, render_graph
from vtopo.operations.graph import draw_topology

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import stderr

commands = command_group()


@commands.command()
def graph(
    file: TopologyFileOption = None,
    format: Annotated[GraphFormat, typer.Option("--format", help="mermaid (GitHub/GitLab Markdown), dot (Graphviz) or text.")] = GraphFormat.text,
    live: Annotated[bool, typer.Option("--live", help="Draw what the databases hold and mark where it differs from the topology.")] = False,
    env: EnvironmentOption = None,
) -> None:
    """Draw the primary, the secondaries, their collections, the postgres_fdw wiring and who may read what.

    Without --live it reads only the file (no database, no secret).

    Example: vtopo graph -f topology.yaml --format dot | dot -Tsvg > topology.svg
    Example: vtopo graph --live --format mermaid
    """
    with stderr.status("reading the live catalogs…") if live else nullcontext():
        drawing = draw_topology(topology_path(file), env=env, live=live)
    # Plain echo: the drawing is the artifact (no rich markup or wrapping).
    typer.echo(render_graph(drawing.graph, format), nl=False)
    if drawing.unreachable:
        from .plan import show_unreachable

        show_unreachable(drawing.context, "graph")
        raise typer.Exit(1)
