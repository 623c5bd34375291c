"""Commands are listed from cli.commands and imported only when they run (start-up speed).

The list must stay true to the command modules: same names, same summaries as their help.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import typer

from vtopo.cli import app
from vtopo.cli.commands import COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[2]
# What a command that reads no database must not pay for at start-up.
HEAVY = ("jinja2", "vtopo.render", "vtopo.introspect", "vtopo.apply", "vtopo.plan", "vtopo.operations.apply")


def test_every_summary_is_the_first_paragraph_of_the_commands_help():
    for name, entry in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        assert inspect.cleandoc(command.help).split("\n\n")[0] == entry.summary, name


def test_every_command_of_the_modules_is_listed():
    modules = {entry.module for entry in COMMANDS.values()}
    defined = set()
    for module in modules:
        group = typer.main.get_group(__import__(f"vtopo.cli.{module}", fromlist=["commands"]).commands)
        defined |= set(group.commands)
    assert defined == set(COMMANDS)


def test_the_root_group_loads_commands_on_use():
    root = typer.main.get_command(app)
    assert list(root.commands) == list(COMMANDS)
    assert root.commands["dev"].commands.keys() >= {"up", "env", "status", "down"}


def _modules_after(*args: str) -> set[str]:
    """The modules a `vtopo ARGS` run has imported when it ends."""
    script = (
        "import json, sys\n"
        "from vtopo.cli import main\n"
        f"sys.argv = ['vtopo', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_help_imports_no_command():
    modules = _modules_after("--help")
    assert _heavy(modules) == []
    assert not {"psycopg", "pydantic", "vtopo.spec", "vtopo.cli.plan", "vtopo.cli.apply"} & modules


def test_validate_imports_only_the_file_checks():
    modules = _modules_after("validate", "-f", "topology.example.yaml")
    assert "vtopo.operations.validate" in modules
    assert _heavy(modules) == []
