"""The typer application object and options shared by every command."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperOption

from .commands import LazyGroup


def _flag_display(display_type_rich):
    """typer labels every option with its type, flags too (`--debug <bool>`), which reads as if
    a flag took a value; a flag shows no type."""

    def display(self: TyperOption, ctx) -> str | None:
        return None if self.is_flag else display_type_rich(self, ctx)

    return display


TyperOption.display_type_rich = _flag_display(TyperOption.display_type_rich)

SETTINGS = {"pretty_exceptions_enable": False, "rich_markup_mode": "rich"}

app = typer.Typer(
    name="vtopo",
    help="Declarative PostgreSQL + pgvector vector topologies: validate, plan, apply.",
    no_args_is_help=True,
    add_completion=True,
    cls=LazyGroup,
    **SETTINGS,
)


def command_group(**options) -> typer.Typer:
    """A command module's own Typer (see cli.commands): the root's settings, no completion options."""
    return typer.Typer(add_completion=False, **SETTINGS, **options)

DEFAULT_TOPOLOGY_FILE = "topology.yaml"


class TextOrJson(str, Enum):
    """--format of the commands that print a report (check, status)."""

    text = "text"
    json = "json"


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


def _file_keys(ctx: typer.Context, section: str) -> list[str]:
    """Keys of a section of the topology file named by -f (for shell completion; never fails)."""
    import yaml

    try:
        path = topology_path(ctx.params.get("file"))
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [str(key) for key in (data.get(section) or {})]
    except Exception:
        return []


def _complete_environment(ctx: typer.Context, incomplete: str) -> list[str]:
    return [name for name in _file_keys(ctx, "environments") if name.startswith(incomplete)]


def _complete_target(ctx: typer.Context, incomplete: str) -> list[str]:
    names = _file_keys(ctx, "databases") + _file_keys(ctx, "collections")
    return [name for name in names if name.startswith(incomplete)]


EnvironmentOption = Annotated[
    str | None,
    typer.Option(
        "--env",
        envvar="VTOPO_ENV",
        metavar="NAME",
        help="Environment of the topology file to use (its `environments:` entry); default: $VTOPO_ENV, else none.",
        show_default=False,
        autocompletion=_complete_environment,
    ),
]

TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="NAME",
        help="Limit to this database key or collection name (repeatable); the rest is left untouched.",
        show_default=False,
        autocompletion=_complete_target,
    ),
]
