"""`vtopo inspect`: write a topology file describing what live databases hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vtopo.errors import VtopoError
from vtopo.inspect import inspect_databases, sources_from_file, sources_from_pairs

from .app import EnvironmentOption, TopologyFileOption, app, topology_path
from .output import stderr


@app.command()
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
    if out is not None and out.exists() and not force:
        raise VtopoError(f"{out} exists; nothing was written", hint="pass --force to overwrite it, or choose another --out")
    sources = sources_from_pairs(dsn, primary) if dsn else sources_from_file(topology_path(file), env)
    with stderr.status("reading the live catalogs…"):
        result = inspect_databases(sources)
    if out is None:
        typer.echo(result.text, nl=False)
    else:
        out.write_text(result.text, encoding="utf-8")
        stderr.print(f"wrote {out} (primary: {result.primary})", markup=False)
    for warning in result.warnings:
        stderr.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.pending:
        stderr.print("[yellow]warning:[/] vtopo plan on this file would still change:", highlight=False)
        for line in result.pending:
            stderr.print(f"  {line}", markup=False)
    if result.variables:
        stderr.print(f"set before `vtopo plan`: {' '.join(result.variables)}", markup=False)
