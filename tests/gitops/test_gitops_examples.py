"""examples/: the GitHub Actions workflow and the GitLab CI file are valid, use only the real
CLI, and every vtopo command line in them works against real servers, in pipeline order."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from vtopo.cli import app
from vtopo.spec import load_topology

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / "examples" / "github" / "vtopo.yml"
GITLAB = REPO / "examples" / "gitlab" / ".gitlab-ci.yml"
EXAMPLE = REPO / "topology.example.yaml"
# A shell line that runs vtopo (at its start, or after ; && | { ( ).
VTOPO_COMMAND = re.compile(r"(?:^|[;&|{(]\s*)vtopo\s")


def example_variables() -> set[str]:
    """The ${env:...} names topology.example.yaml reads."""
    return {name for _, kind, name in load_topology(EXAMPLE, "").secret_references() if kind == "env"}


def vtopo_lines(script: str) -> list[str]:
    return [line.strip() for line in script.splitlines() if VTOPO_COMMAND.search(line.strip())]


def github_jobs() -> dict[str, list[str]]:
    workflow = yaml.safe_load(GITHUB.read_text())
    return {name: [step["run"] for step in job["steps"] if "run" in step] for name, job in workflow["jobs"].items()}


def gitlab_jobs() -> dict[str, list[str]]:
    pipeline = yaml.safe_load(GITLAB.read_text())
    return {name: job["script"] for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}


def test_github_workflow_is_valid_and_wired_to_the_secret_store():
    workflow = yaml.safe_load(GITHUB.read_text())
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {"pull_request", "push", "schedule"} <= set(triggers)
    jobs = workflow["jobs"]
    assert set(jobs) == {"plan-pr", "plan-main", "apply", "drift"}
    assert jobs["apply"]["needs"] == "plan-main" and jobs["apply"]["environment"] == "production"
    assert jobs["plan-pr"]["permissions"]["pull-requests"] == "write"
    # Every ${env:...} the topology reads comes from the secret store, and nothing else is set literally.
    assert {name: value for name, value in workflow["env"].items()} == {
        name: f"${{{{ secrets.{name} }}}}" for name in example_variables()
    }
    for job in jobs.values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), step["uses"]
    script = next(step["with"]["script"] for step in jobs["plan-pr"]["steps"] if "github-script" in step.get("uses", ""))
    assert "slice(0, 2)" in script and "updateComment" in script  # finds its previous comment by the markers


def test_gitlab_pipeline_is_valid():
    pipeline = yaml.safe_load(GITLAB.read_text())
    assert pipeline["stages"] == ["validate", "plan", "apply"]
    assert pipeline["apply"]["rules"][0]["when"] == "manual" and pipeline["apply"]["needs"] == ["plan:main"]
    assert pipeline["plan:main"]["artifacts"]["paths"] == ["plan.json"]
    assert pipeline["drift"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    text = GITLAB.read_text()
    for name in example_variables():
        assert name in text  # documented as CI/CD variables


@pytest.mark.parametrize("jobs", [github_jobs, gitlab_jobs], ids=["github", "gitlab"])
def test_every_command_line_is_the_real_cli(jobs):
    runner = CliRunner()
    lines = [line for scripts in jobs().values() for script in scripts for line in vtopo_lines(script)]
    assert len(lines) >= 5
    for line in lines:
        words = shlex.split(line[line.index("vtopo ") :].split(";")[0].split(">")[0])
        command = words[1]
        help_text = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"}).output
        assert "Usage: vtopo " + command in help_text, line
        for option in (word.split("=")[0] for word in words if word.startswith("-")):
            assert option in help_text, f"{line}: {option} is not an option of vtopo {command}"


@pytest.fixture
def pipeline_dir(pg_dbs, tmp_path):
    """A repository checkout: topology.yaml (the example) and the secrets as CI would export them."""
    data = yaml.safe_load(EXAMPLE.read_text())
    for key, db in (("docs_pod", pg_dbs.secondary1), ("media_pod", pg_dbs.secondary2)):
        if (db.peer_host, db.peer_port) != (db.host, db.port):  # containers reach each other by alias
            data["databases"][key]["fdw"].update(host=db.peer_host, port=db.peer_port)
    (tmp_path / "topology.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "APP_DSN": pg_dbs.primary.dsn, "DOCS_POD_DSN": pg_dbs.secondary1.dsn, "MEDIA_POD_DSN": pg_dbs.secondary2.dsn,
        "DOCS_POD_FDW_PASSWORD": "docs-reader-pw-ci", "MEDIA_POD_FDW_PASSWORD": "media-reader-pw-ci",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    env.pop("VTOPO_ENV", None)
    env.pop("VTOPO_FILE", None)
    return tmp_path, env


def run_line(line: str, cwd: Path, env: dict[str, str]) -> int:
    done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    secrets = [env[name] for name in example_variables()]
    assert not any(secret in done.stdout + done.stderr for secret in secrets), line
    return done.returncode


@pytest.mark.parametrize(
    ("jobs", "order"),
    [(github_jobs, ["plan-pr", "plan-main", "apply", "drift"]), (gitlab_jobs, ["validate", "plan:merge-request", "plan:main", "apply", "drift"])],
    ids=["github", "gitlab"],
)
def test_the_pipeline_runs_against_real_servers(jobs, order, pipeline_dir, pg_dbs):
    cwd, env = pipeline_dir
    scripts = jobs()
    assert sorted(scripts) == sorted(order)
    for job in order:
        for script in scripts[job]:
            for line in vtopo_lines(script):
                code = run_line(line, cwd, env)
                if "--detailed-exitcode" in line:
                    assert code == 0, f"{job}: {line}: drift right after apply"  # nothing drifted yet
                else:
                    assert code == 0, f"{job}: {line} exited {code}"
        if job.startswith("plan") and (cwd / "plan.md").exists():
            assert (cwd / "plan.md").read_text().startswith("<!-- vtopo-plan -->\n<!-- vtopo-plan-id: acme-search/default -->")
    if (cwd / "summary.md").exists():
        assert "```mermaid\nflowchart LR" in (cwd / "summary.md").read_text()

    # Nightly drift: somebody dropped a view by hand.
    with pg_dbs.primary.connect() as conn:
        conn.execute("DROP VIEW public.images")
    drift = next(line for line in vtopo_lines("\n".join(scripts["drift"])) if "--detailed-exitcode" in line)
    assert run_line(drift, cwd, env) == 2
