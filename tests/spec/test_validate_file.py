"""`vtopo validate`: which file it reads, and files that are not a topology at all."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest


def assert_one_error(run, start: str) -> None:
    """Exit 1 and a single error line (plus an optional hint) starting with `error: {start}`."""
    assert run.code == 1, run.err
    printed = [line for line in run.err.splitlines() if not line.startswith("hint:")]
    assert len(printed) == 1, run.err
    assert printed[0].startswith(f"error: {start}"), printed[0]


def test_example_file_is_valid_without_any_environment_variable(vtopo, repo_root):
    example = repo_root / "topology.example.yaml"
    referenced = set(re.findall(r"\$\{env:(\w+)\}", example.read_text(encoding="utf-8")))
    assert referenced  # the example does use references; the runner sets none of them
    run = vtopo("validate", "-f", "topology.example.yaml", cwd=repo_root, env={})
    assert run.code == 0, run.err
    assert "topology.example.yaml is valid: 3 databases, 3 collections" in run.err


def test_validate_reads_no_secret_file(orbit, validate):
    # ${file:secrets/shard_a_fdw.txt} does not exist next to the file: validate must not care.
    path, run = validate(orbit)
    assert not (path.parent / "secrets").exists()
    assert run.code == 0, run.err


def test_console_script_next_to_the_interpreter(repo_root):
    script = Path(sys.executable).parent / "vtopo"
    completed = subprocess.run(
        [str(script), "validate", "-f", "topology.example.yaml"],
        cwd=repo_root, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory without topology.yaml."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def test_vtopo_file_is_used_when_f_is_absent(orbit, write_topology, vtopo, elsewhere):
    path = write_topology(orbit, "custom.yaml")
    run = vtopo("validate", cwd=elsewhere, env={"VTOPO_FILE": str(path)})
    assert run.code == 0, run.err
    assert f"{path} is valid" in run.err


def test_vtopo_file_problems_name_that_file(orbit_with, write_topology, vtopo, elsewhere):
    path = write_topology(orbit_with(("dimension: 1536", "dimension: 0")), "custom.yaml")
    run = vtopo("validate", cwd=elsewhere, env={"VTOPO_FILE": str(path)})
    run.assert_problems(path, (15, "collections.papers.dimension", "greater than or equal to 1"))


def test_f_wins_over_vtopo_file(orbit, write_topology, vtopo, elsewhere):
    path = write_topology(orbit, "chosen.yaml")
    run = vtopo("validate", "-f", str(path), cwd=elsewhere, env={"VTOPO_FILE": str(elsewhere / "missing.yaml")})
    assert run.code == 0, run.err
    assert f"{path} is valid" in run.err


@pytest.mark.parametrize("vtopo_file", [None, ""], ids=["unset", "empty"])
def test_default_file_is_topology_yaml_in_the_working_directory(orbit_with, vtopo, tmp_path, vtopo_file):
    (tmp_path / "topology.yaml").write_text(orbit_with(("measure: l2", "measure: l1")), encoding="utf-8")
    env = {} if vtopo_file is None else {"VTOPO_FILE": vtopo_file}
    run = vtopo("validate", cwd=tmp_path, env=env)
    run.assert_problems("topology.yaml", (35, "collections.sketches.measure", "Input should be"))


def test_default_file_missing(vtopo, elsewhere):
    run = vtopo("validate", cwd=elsewhere)
    assert_one_error(run, "topology.yaml: no such topology file")
    assert "VTOPO_FILE" in run.err  # the hint says how to choose a file


def test_missing_file(vtopo, tmp_path):
    path = tmp_path / "nope.yaml"
    run = vtopo("validate", "-f", str(path))
    assert_one_error(run, f"{path}: no such topology file")


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"# nothing but a comment\n", b"   \n# still nothing\n"],
    ids=["zero-bytes", "blank-lines", "comment", "spaces-and-comment"],
)
def test_empty_file(vtopo, tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)
    run = vtopo("validate", "-f", str(path))
    assert_one_error(run, f"{path}:1: the file is empty")


@pytest.mark.parametrize(
    "content",
    ["- hub\n- shard_a\n", "orbit-lab\n", "42\n", "null\n", "---\n"],
    ids=["list", "string", "number", "null", "empty-document"],
)
def test_top_level_not_a_mapping(write_topology, vtopo, content):
    path = write_topology(content)
    run = vtopo("validate", "-f", str(path))
    assert_one_error(run, f"{path}:1: the top level must be a mapping")


# Messages differ between libyaml and the pure-Python parser; the line and the gist must not.
@pytest.mark.parametrize(
    ("replacements", "line", "pattern"),
    [
        pytest.param([("    dsn: ${env:ORBIT_HUB_DSN}", "   dsn: ${env:ORBIT_HUB_DSN}")], 6,
                     r"\(while parsing a block mapping on line 4\)", id="indentation"),
        pytest.param([("      m: 24", "\tm: 24")], 20, r"tab|'\\t'", id="tab"),
        pytest.param([("      method: hnsw", "      method: hnsw: fast")], 19, "mapping values are not allowed",
                     id="colon-in-value"),
        pytest.param([("index: true}", "index: true")], 24,
                     r"',' or '}'.* \(while parsing a flow mapping on line 23\)", id="unclosed-brace"),
        pytest.param([("analyst]", "analyst")], 31, r"\(while parsing a flow sequence on line 30\)",
                     id="unclosed-bracket"),
        pytest.param([("view: catalog.papers", 'view: "catalog.papers')], 29,
                     r"end of stream \(while scanning a quoted scalar on line 29\)", id="unclosed-quote"),
        pytest.param([("dimension: 1536", "dimension: *size")], 15, "found undefined alias", id="undefined-alias"),
        pytest.param([("dimension: 1536", "dimension: !!python/name:os.getpid")], 15,
                     "could not determine a constructor for the tag", id="python-tag"),
        pytest.param([("      view: sketches\n", "      view: sketches\n---\nversion: 1\n")], 43,
                     "but found another document", id="two-documents"),
    ],
)
def test_yaml_syntax_errors_have_a_line(orbit_with, validate, replacements, line, pattern):
    path, run = validate(orbit_with(*replacements))
    assert_one_error(run, f"{path}:{line}: not valid YAML: ")
    assert re.search(pattern, run.err), run.err


def test_file_that_is_not_utf8(vtopo, tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("version: 1\nname: caf\u00e9\n".encode("latin-1"))
    run = vtopo("validate", "-f", str(path))
    assert_one_error(run, f"{path}: cannot read the topology file")


def test_directory_instead_of_file(vtopo, tmp_path):
    run = vtopo("validate", "-f", str(tmp_path))
    assert_one_error(run, f"{tmp_path}: cannot read the topology file")
