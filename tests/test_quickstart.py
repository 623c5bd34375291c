"""The README's quick start: `vtopo demo` on the example topology, and the test command CI runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import psutil

from harness import run_vtopo

REPO = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line for line in re.findall(r"^(python3 .*)$", section, flags=re.M)]


def test_readme_quick_start_is_two_commands_and_ci_runs_the_second():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    assert commands[0].endswith("vtopo demo")
    ci_script = (REPO / ".ci" / "run").read_text()
    assert commands[1] in ci_script, "the README's test command must be what .ci/run executes"


def _postgres_processes_under(path: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and any(str(path) in part for part in process.info["cmdline"] or []):
            found.append(process)
    return found


def test_demo_runs_the_whole_job_twice_on_the_example(server_tmp_path):
    shutil.copy(REPO / "topology.example.yaml", server_tmp_path / "topology.example.yaml")
    try:
        first = run_vtopo("demo", cwd=server_tmp_path, timeout=300)
        assert first.returncode == 0, first.stderr
        assert "Traceback" not in first.stdout + first.stderr
        assert re.search(r"\d+ to create", first.stdout)
        # A search through every exposed view found the probe itself first, at distance 0.
        for view in ("public.docs", "public.posts"):
            line = next(line for line in first.stdout.splitlines() if line.strip().startswith(view))
            assert re.search(r"-0 \((-?0\.000)\)", line), line

        second = run_vtopo("demo", cwd=server_tmp_path, timeout=300)
        assert second.returncode == 0, second.stderr
        assert "0 to create, 0 to update, 0 to replace, 0 to delete" in second.stdout
        assert "nothing to change" in second.stdout
    finally:
        down = run_vtopo("dev", "down", "--purge", "-f", "topology.example.yaml", cwd=server_tmp_path)
    assert down.returncode == 0, down.stderr
    assert not _postgres_processes_under(server_tmp_path)
