"""`vtopo validate` and `vtopo schema`: offline checks of the topology file."""

from __future__ import annotations

import json

import typer

from vtopo.operations.validate import validate_topology
from vtopo.report.validate import validation_line

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import stderr

commands = command_group()


@commands.command()
def validate(file: TopologyFileOption = None, env: EnvironmentOption = None) -> None:
    """Check the topology file offline (no database, no secret needed).

    Without --env (and $VTOPO_ENV) it checks the base and every environment.

    Example: vtopo validate -f topology.yaml
    """
    stderr.print(validation_line(validate_topology(topology_path(file), env=env)))


@commands.command()
def schema() -> None:
    """Print the JSON Schema of the topology file (for editors and CI linters).

    Example: vtopo schema > topology.schema.json
    """
    from vtopo.spec.schema import topology_json_schema  # validate does not need it

    typer.echo(json.dumps(topology_json_schema(), indent=2, sort_keys=False))
