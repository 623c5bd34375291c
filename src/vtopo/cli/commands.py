"""Which commands exist, and loading each one's module only when it runs.

A command module imports what its command needs (psycopg, Jinja, the whole pipeline);
importing every module to list them made `vtopo --help` slow. The root group knows the
names and summaries below, and imports a module when its command is resolved.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from importlib import import_module

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class CommandEntry:
    module: str  # vtopo.cli.<module> defines it on its `commands` Typer
    summary: str  # the first paragraph of its help, as `vtopo --help` lists it


# In `vtopo --help` order. tests/cli/test_lazy_commands.py checks each summary against the
# command's own help.
COMMANDS: dict[str, CommandEntry] = {
    "validate": CommandEntry("validate", "Check the topology file offline (no database, no secret needed)."),
    "schema": CommandEntry("validate", "Print the JSON Schema of the topology file (for editors and CI linters)."),
    "plan": CommandEntry("plan", "Show what apply would change, across the primary and every secondary."),
    "check": CommandEntry("check", "EXPLAIN searches and filters through the primary and verify they are shipped and indexed."),
    "apply": CommandEntry("apply", "Apply the topology: secondaries first, then the primary, each in one transaction."),
    "demo": CommandEntry("demo", "Start local servers for a topology, plan, apply, load sample vectors, search through the primary."),
    "query": CommandEntry("query", "Search a collection: nearest rows to a vector, filtered on metadata."),
    "load": CommandEntry("load", "Load vectors into a collection: binary COPY, in batches, as an upsert."),
    "graph": CommandEntry("graph", "Draw the primary, the secondaries, their collections, the postgres_fdw wiring and who may read what."),
    "inspect": CommandEntry("inspect", "Read the databases and write a topology file describing their Vecs collections, indexes and wiring."),
    "capacity": CommandEntry("capacity", "Report rows, table and index sizes, cached index fractions and memory settings, with advice on when to shard."),
    "status": CommandEntry("status", "Show the last apply per database: applied, failed (which step, why), stopped part-way, or not started."),
    "dev": CommandEntry("dev", "Local PostgreSQL + pgvector servers for a topology, on 127.0.0.1 (data in .vtopo/dev/)."),
}


def load_command(name: str) -> TyperCommand | TyperGroup:
    """The real command (imports its module)."""
    module = import_module(f"vtopo.cli.{COMMANDS[name].module}")
    return typer.main.get_group(module.commands).commands[name]


class LazyCommands(MutableMapping):
    """The root group's commands: every name is known, a command is loaded on first access."""

    def __init__(self, added: MutableMapping) -> None:
        self.loaded = dict(added)

    def load(self, name: str) -> TyperCommand | TyperGroup:
        if name not in self.loaded:
            self.loaded[name] = load_command(name)
        return self.loaded[name]

    def summary_of(self, name: str) -> TyperCommand | TyperGroup | None:
        """What a listing needs (name and help) without loading the command."""
        if name in self.loaded:
            return self.loaded[name]
        entry = COMMANDS.get(name)
        return TyperCommand(name, help=entry.summary) if entry else None

    def __getitem__(self, name: str) -> TyperCommand | TyperGroup:
        if name not in self.loaded and name not in COMMANDS:
            raise KeyError(name)
        return self.load(name)

    def __setitem__(self, name: str, command: TyperCommand | TyperGroup) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self.loaded]))

    def __len__(self) -> int:
        return len(set(COMMANDS) | set(self.loaded))


class LazyGroup(TyperGroup):
    """Lists commands from COMMANDS (help, completion of names) and loads one when it runs."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(self.commands)

    def get_command(self, ctx: typer.Context, cmd_name: str) -> TyperCommand | TyperGroup | None:
        return self.commands.summary_of(cmd_name)

    def resolve_command(self, ctx: typer.Context, args: list[str]):
        if args and args[0] in COMMANDS:
            self.commands.load(args[0])  # the command runs (or shows its own help)
        return super().resolve_command(ctx, args)
