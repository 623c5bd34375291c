"""The typer application object and options shared by every command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="vtopo",
    help="Declarative PostgreSQL + pgvector vector topologies: validate, plan, apply.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

DEFAULT_TOPOLOGY_FILE = "topology.yaml"


def default_topology_file() -> Path:
    """The topology file when -f is not given: $VTOPO_FILE, else topology.yaml."""
    return Path(os.environ.get("VTOPO_FILE") or DEFAULT_TOPOLOGY_FILE)


TopologyFileOption = Annotated[
    Path | None,
    typer.Option(
        "--file",
        "-f",
        help="Topology file (default: $VTOPO_FILE or ./topology.yaml).",
        show_default=False,
    ),
]


def topology_path(file: Path | None) -> Path:
    return file if file is not None else default_topology_file()
