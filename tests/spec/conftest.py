"""Fixtures for the topology-file tests: a valid topology of our own and a CLI runner.

Every CLI run is a real subprocess with a minimal environment (no ${env:...}
variable set, no VTOPO_FILE) and must never print a Python traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# Line numbers in the tests refer to this text; keep it free of comments and blank lines.
ORBIT_TOPOLOGY = """\
version: 1
name: orbit-lab
databases:
  hub:
    primary: true
    dsn: ${env:ORBIT_HUB_DSN}
  shard_a:
    dsn: host=shard-a.internal port=5433 dbname=vectors user=orbit password=${env:ORBIT_SHARD_A_PASSWORD}
    fdw:
      user: orbit_reader
      password: ${file:secrets/shard_a_fdw.txt}
collections:
  papers:
    database: shard_a
    dimension: 1536
    type: vector
    measure: inner_product
    index:
      method: hnsw
      m: 24
      ef_construction: 96
    metadata:
      venue: {type: text, index: true}
      cited: {type: bigint}
    search:
      ef_search: 80
      iterative_scan: relaxed_order
    expose:
      view: catalog.papers
      grant: [reader, analyst]
  sketches:
    database: hub
    dimension: 3000
    type: halfvec
    measure: l2
    index:
      method: ivfflat
      lists: 50
    search:
      probes: 7
    expose:
      view: sketches
"""


def edit(text: str, *replacements: tuple[str, str]) -> str:
    """Apply (old, new) replacements; each `old` must occur exactly once."""
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err

    def problems(self, file: Path | str) -> list[str]:
        """Problem lines about `file`, without the `FILE:` prefix (e.g. '14: collections.x.database: ...')."""
        prefix = f"{file}:"
        lines = (line.removeprefix("error: ") for line in self.err.splitlines())
        return [line[len(prefix):] for line in lines if line.startswith(prefix)]

    def assert_problems(self, file: Path | str, *expected: tuple[int, str, str]) -> None:
        """Exit 1 and exactly these (line, key path, message fragment) problems, in this order."""
        assert self.code == 1, self.output
        found = self.problems(file)
        assert len(found) == len(expected), "\n".join(found)
        for problem, (line, key, fragment) in zip(found, expected):
            assert problem.startswith(f"{line}: {key}: "), problem
            assert fragment in problem, problem
        # Nothing else is printed: a hostile key cannot forge an extra problem line.
        printed = [line for line in self.err.splitlines() if not line.startswith("hint:")]
        if len(expected) > 1:
            assert printed[0].startswith(f"error: {len(expected)} problems"), self.err
            printed = printed[1:]
        assert len(printed) == len(expected), self.err


def _base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "SYSTEMROOT", "TMPDIR", "PYTHONPATH")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    # COLUMNS: rich wraps the `validate` success line at 80 columns when not on a terminal.
    env.update(LANG="C.UTF-8", NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8", COLUMNS="500")
    return env


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    completed = subprocess.run(
        [sys.executable, "-c", "from vtopo.cli import main; main()", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env={**_base_env(), **(env or {})},
        timeout=60,
    )
    run = Run(completed.returncode, completed.stdout, completed.stderr)
    assert "Traceback" not in run.output, run.output
    return run


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def orbit() -> str:
    return ORBIT_TOPOLOGY


@pytest.fixture
def write_topology(tmp_path: Path):
    def write(text: str, name: str = "orbit.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def vtopo():
    return run_cli


def run_in_process(capsys, *args: str) -> Run:
    """The CLI's main() in this process (no interpreter start-up: ~100x faster than a
    subprocess for the many validation cases); an uncaught exception fails the test."""
    from vtopo.cli import main

    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    captured = capsys.readouterr()
    run = Run(code, captured.out, captured.err)
    assert "Traceback" not in run.output, run.output
    return run


@pytest.fixture
def validate(write_topology, capsys, monkeypatch):
    """Write text to a file, run `vtopo validate -f FILE` (in process, with no VTOPO_* or
    referenced variables set); returns (path, Run)."""
    for name in [n for n in os.environ if n.startswith(("VTOPO_", "ORBIT_"))]:
        monkeypatch.delenv(name)

    def run(text: str) -> tuple[Path, Run]:
        path = write_topology(text)
        return path, run_in_process(capsys, "validate", "-f", str(path))

    return run


@pytest.fixture
def orbit_with():
    """The orbit topology with (old, new) replacements applied."""

    def apply(*replacements: tuple[str, str]) -> str:
        return edit(ORBIT_TOPOLOGY, *replacements)

    return apply
