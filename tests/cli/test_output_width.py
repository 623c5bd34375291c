"""Output width: a terminal decides its own; redirected output (CI logs, files) gets
LOG_WIDTH columns so tables do not fold; $COLUMNS always wins."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from vtopo.cli.output import LOG_WIDTH, _width


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_redirected_output_is_wide(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert _width(io.StringIO()) == LOG_WIDTH


def test_terminal_and_columns_decide_for_themselves(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    assert _width(FakeTerminal()) is None
    monkeypatch.setenv("COLUMNS", "100")
    assert _width(io.StringIO()) is None


def test_a_table_in_a_log_is_not_folded():
    # A rich table printed by a vtopo console into a pipe: one line per row at 160 columns.
    script = (
        "from rich.table import Table; from vtopo.cli.output import stdout; "
        "t = Table(); t.add_column('check'); t.add_column('detail'); t.add_row('x', 'y' * 120); stdout.print(t)"
    )
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    wide = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True).stdout
    assert any("y" * 120 in line for line in wide.splitlines()), wide
    narrow = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**env, "COLUMNS": "80"}, check=True).stdout
    assert not any("y" * 120 in line for line in narrow.splitlines()), narrow
