"""Every command has --help with an example; typer's shell completion works, names included."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

import typer
from typer.testing import CliRunner

from vtopo.cli import app

ENV_FILE = """\
version: 1
databases:
  app: {primary: true, dsn: "${env:APP_DSN}"}
  pod: {dsn: "${env:POD_DSN}"}
collections:
  docs: {database: pod, dimension: 3}
environments:
  staging: {}
  prod: {}
"""


def commands(group, prefix: tuple[str, ...] = ()):
    """Every leaf command of the (vendored) click group, as its word path."""
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


def test_every_command_has_help_with_an_example():
    root = typer.main.get_command(app)
    found = list(commands(root))
    assert ("graph",) in found and ("inspect",) in found and ("dev", "up") in found
    runner = CliRunner()
    for path in found:
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (path, result.output)
        _, found_example, after = result.output.partition("Example")
        assert found_example and f"vtopo {' '.join(path)}" in after, f"vtopo {' '.join(path)} --help has no example"


def complete(words: str, tmp_path) -> list[str]:
    """What bash completion offers after `words` (typer's protocol, as the installed script calls it)."""
    env = {**os.environ, "_VTOPO_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
    done = subprocess.run([sys.executable, "-c", "from vtopo.cli import main; main()"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_shell_completion_offers_commands_environments_and_targets(tmp_path):
    (tmp_path / "t.yaml").write_text(ENV_FILE)
    assert complete("vtopo gr", tmp_path) == ["graph"]
    assert complete("vtopo plan -f t.yaml --env ", tmp_path) == ["staging", "prod"]
    assert complete("vtopo apply -f t.yaml --target ", tmp_path) == ["app", "pod", "docs"]
    assert complete("vtopo plan -f missing.yaml --env ", tmp_path) == []  # never fails while typing
    # typer detects the shell from the parent processes: run it under bash, whatever runs pytest.
    command = f"{shlex.quote(sys.executable)} -c 'from vtopo.cli import main; main()' --show-completion"
    # (`; exit $?` keeps bash from exec-ing the command in its place.)
    script = subprocess.run(["bash", "-c", command + "; exit $?"], capture_output=True, text=True, timeout=60)
    assert script.returncode == 0 and "_VTOPO_COMPLETE=complete_bash" in script.stdout
