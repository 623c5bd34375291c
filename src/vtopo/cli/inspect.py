"""`vtopo inspect`: write a topology file describing what live databases hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vtopo.errors import VtopoError
from vtopo.operations.inspect import inspect_topology
from vtopo.report.inspect import inspection_lines

from .app import EnvironmentOption, TopologyFileOption, command_group, topology_path
from .output import print_lines, stderr

commands = command_group()


@commands.command()
def inspect(
    file: TopologyFileOption = None,
    dsn: Annotated[
        list[str] | None,
        typer.Option("--dsn", metavar="NAME=DSN", help="A database to read instead of the file's (repeatable); written as ${env:NAME_DSN}."),
    ] = None,
    primary: Annotated[str | None, typer.Option("--primary", metavar="NAME", help="With --dsn: the primary (default: the one holding vtopo's wiring, else the first).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the topology here instead of stdout.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
    env: EnvironmentOption = None,
) -> None:
    """Read the databases and write a topology file describing their Vecs collections, indexes and wiring.

    The databases come from FILE's `databases:` (its DSN references are kept) or from --dsn
    pairs. Secrets are never written: DSNs and passwords become ${env:...} references.

    Example: vtopo inspect --dsn app="$APP_DSN" --dsn docs_pod="$DOCS_POD_DSN" --out topology.yaml
    Example: vtopo inspect -f topology.yaml --out adopted.yaml
    """
    if dsn and file is not None:
        raise VtopoError("give -f FILE or --dsn pairs, not both")
    with stderr.status("reading the live catalogs…"):
        result = inspect_topology(
            dsn_pairs=dsn, primary=primary, path=None if dsn else topology_path(file), env=env, out=out, force=force
        )
    if out is None:
        typer.echo(result.text, nl=False)
    print_lines(stderr, inspection_lines(result, out))
