"""`vtopo validate` and `vtopo schema`: offline checks of the topology file."""

from __future__ import annotations

import json

import typer

from vtopo.spec import load_topology
from vtopo.spec.schema import topology_json_schema

from .app import TopologyFileOption, app, topology_path
from .output import stderr


@app.command()
def validate(file: TopologyFileOption = None) -> None:
    """Check the topology file offline (no database, no secret needed).

    Example: vtopo validate -f topology.yaml
    """
    path = topology_path(file)
    topology = load_topology(path)
    stderr.print(
        f"[green]✓[/] {path} is valid: {len(topology.databases)} databases, "
        f"{len(topology.collections)} collections",
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the topology file (for editors and CI linters).

    Example: vtopo schema > topology.schema.json
    """
    typer.echo(json.dumps(topology_json_schema(), indent=2, sort_keys=False))
