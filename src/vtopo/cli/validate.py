"""`vtopo validate` and `vtopo schema`: offline checks of the topology file."""

from __future__ import annotations

import json

import typer

from vtopo.spec import load_topology
from vtopo.spec.environments import selected_environment
from vtopo.spec.loader import load_every_environment
from vtopo.spec.schema import topology_json_schema

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr


@app.command()
def validate(file: TopologyFileOption = None, env: EnvironmentOption = None) -> None:
    """Check the topology file offline (no database, no secret needed).

    Without --env (and $VTOPO_ENV) it checks the base and every environment.

    Example: vtopo validate -f topology.yaml
    """
    path = topology_path(file)
    environment = selected_environment(env)
    if environment is not None:
        topology = load_topology(path, environment)
        checked = f" (environment {environment})"
    else:
        loaded = load_every_environment(path)
        topology = loaded[None]
        names = [name for name in loaded if name]
        checked = f"; environments {', '.join(names)} valid too" if names else ""
    stderr.print(
        f"[green]✓[/] {path} is valid: {len(topology.databases)} databases, "
        f"{len(topology.collections)} collections{checked}",
        markup=True,
        highlight=False,
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the topology file (for editors and CI linters).

    Example: vtopo schema > topology.schema.json
    """
    typer.echo(json.dumps(topology_json_schema(), indent=2, sort_keys=False))
