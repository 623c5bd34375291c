"""`vtopo graph`: draw the topology (or, with --live, what the databases hold, drift marked)."""

from __future__ import annotations

from typing import Annotated

import typer

from vtopo.catalog.desired import build_desired
from vtopo.graph import GraphFormat, live_graph, render_graph, topology_graph
from vtopo.pipeline import database_order, read_state
from vtopo.spec.loader import load_topology

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr


@app.command()
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
    topology = load_topology(topology_path(file), env)
    naming = {"primary": topology.primary_name, "databases": database_order(topology),
              "name": topology.name, "environment": topology.environment}
    if live:
        with stderr.status("reading the live catalogs…"):
            context = read_state(topology)
        picture = live_graph(context.desired, context.live, **naming)
    else:
        picture = topology_graph(build_desired(topology), **naming)
    # Plain echo: the drawing is the artifact (no rich markup or wrapping).
    typer.echo(render_graph(picture, format), nl=False)
