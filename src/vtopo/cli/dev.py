"""`vtopo dev up|env|status|down`: local servers for a topology (thin layer over vtopo.local.dev)."""

from __future__ import annotations

import shlex
from types import ModuleType

import typer

from vtopo.errors import LocalServerError
from vtopo.report.servers import servers_table

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import stderr, stdout

dev_app = command_group(
    help="Local PostgreSQL + pgvector servers for a topology, on 127.0.0.1 (data in .vtopo/dev/).",
    no_args_is_help=True,
)
commands = command_group()
commands.add_typer(dev_app, name="dev")


def _local() -> ModuleType:
    # Imported on use: the CLI must start without the optional `local` extra.
    try:
        from vtopo.local import dev
    except ImportError as error:
        raise LocalServerError(
            f"local servers need the `local` extra ({error.name or error} is missing)",
            hint="pip install 'vtopo[local]'",
        ) from None
    return dev


@dev_app.command("up")
def up(
    file: TopologyFileOption = None,
    env: EnvironmentOption = None,
    port: list[str] | None = typer.Option(
        None, "--port", metavar="DATABASE=PORT", help="Port for a database's server (repeatable); default: a free one, then the same one each time."
    ),
) -> None:
    """Start one local server per database of the topology (reuses running ones).

    Example: vtopo dev up -f topology.example.yaml
    Example: vtopo dev up --port app=54321 --port docs_pod=54322
    """
    path = topology_path(file)
    servers = _local().up(path, env, ports=_ports(port or []))
    stderr.print(servers_table(servers))
    option = f" -f {shlex.quote(str(path))}" if file is not None else ""
    option += f" --env {shlex.quote(env)}" if env else ""
    stderr.print(f'next: eval "$(vtopo dev env{option})"', style="dim", markup=False)


def _ports(pairs: list[str]) -> dict[str, int]:
    ports: dict[str, int] = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if not name or not value.isdigit() or not 1 <= int(value) <= 65535:
            raise LocalServerError(f"--port {pair!r}: write DATABASE=PORT with a port from 1 to 65535", hint="example: --port app=54321")
        ports[name.strip()] = int(value)
    return ports


@dev_app.command("env")
def env(file: TopologyFileOption = None, environment: EnvironmentOption = None) -> None:
    """Print `export NAME=...` lines for the topology's ${env:...} references (use with eval).

    Example: eval "$(vtopo dev env -f topology.example.yaml)"
    """
    for line in _local().env_lines(topology_path(file), environment):
        typer.echo(line)


@dev_app.command("status")
def status(file: TopologyFileOption = None, env: EnvironmentOption = None) -> None:
    """Show the local servers of the topology: port, data dir, running or stopped (on stdout).

    Example: vtopo dev status -f topology.example.yaml
    """
    servers = _local().status(topology_path(file), env)
    if not servers:
        stderr.print("no local servers for this topology (run `vtopo dev up`)")
        return
    stdout.print(servers_table(servers, with_data_dir=True))


@dev_app.command("down")
def down(
    file: TopologyFileOption = None,
    purge: bool = typer.Option(False, "--purge", help="Also delete the data directories and state."),
    env: EnvironmentOption = None,
) -> None:
    """Stop the local servers of the topology (--purge: and delete their data).

    With --env, only the servers of that environment's databases.

    Example: vtopo dev down -f topology.example.yaml --purge
    """
    servers = _local().down(topology_path(file), purge=purge, env=env)
    if not servers:
        stderr.print("no local servers for this topology")
        return
    stderr.print(servers_table(servers))
