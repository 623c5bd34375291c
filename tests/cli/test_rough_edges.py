"""Rough edges a new user meets: each one found by trying vtopo, each with its test.

- the missing-variable hint keeps the -f FILE (and --env) the user ran with;
- a malformed DSN is called malformed, says where, and never shows its password;
- boolean flags show no `<bool>` type, and `--debug true` says that --debug takes no value;
- `apply --no-sql` leaves the SQL out of the plan it shows (real servers).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from harness import run_vtopo, topology_for, write_topology

from vtopo.apply.build_progress import BuildReport
from vtopo.report.progress import build_text

TOPOLOGY = {
    "version": 1,
    "databases": {
        "app": {"primary": True, "dsn": "${env:RE_APP_DSN}"},
        "pod": {"dsn": "${env:RE_POD_DSN}", "fdw": {"password": "${env:RE_POD_FDW_PASSWORD}"}},
    },
    "collections": {"docs": {"database": "pod", "dimension": 3, "expose": {"view": "public.docs"}}},
}


def _without(env: dict[str, str], *names: str) -> dict[str, str]:
    """os.environ plus env, without names (run_vtopo can only add variables)."""
    full = {**os.environ, **env}
    return {k: v for k, v in full.items() if k not in names}


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from vtopo.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_the_missing_variable_hint_keeps_the_file_given(tmp_path):
    path = write_topology(tmp_path / "staging.yaml", TOPOLOGY)
    env = _without({"RE_POD_DSN": "postgresql://u@127.0.0.1:1/p", "RE_POD_FDW_PASSWORD": "x"},
                   "RE_APP_DSN", "VTOPO_FILE", "VTOPO_ENV")
    result = _run("plan", "-f", str(path), env=env)
    assert result.returncode == 1, result.stderr
    assert "databases.app.dsn: environment variable RE_APP_DSN is not set" in result.stderr, result.stderr
    assert f'eval "$(vtopo dev env -f {path})"' in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_a_malformed_dsn_says_so_and_where_without_its_password(tmp_path):
    path = write_topology(tmp_path / "topology.yaml", TOPOLOGY)
    secret = "s3cret-Pass"
    env = _without({"RE_APP_DSN": f"host=127.0.0.1 port=1 user=me password={secret} pw dbname=x",
                    "RE_POD_DSN": "postgresql://u@127.0.0.1:1/p", "RE_POD_FDW_PASSWORD": "x"}, "VTOPO_FILE", "VTOPO_ENV")
    result = _run("plan", "-f", str(path), env=env)
    assert result.returncode == 1, result.stderr
    message = result.stderr
    assert "databases.app.dsn (the value of ${env:RE_APP_DSN}): not a valid libpq connection string or URI" in message, message
    assert 'missing "=" after "…"' in message, message  # libpq's reason, its quoted fragment hidden
    assert "export the variable" not in message  # it is set: exporting it again would not help
    assert "postgresql://USER@HOST:PORT/DBNAME" in message
    assert secret not in message and "pw" not in message.replace("password", ""), message


def test_flags_show_no_type_and_debug_takes_no_value():
    shown = run_vtopo("--help", env={"COLUMNS": "120"}).stdout
    assert "<bool>" not in shown, shown
    assert re.search(r"--debug\s+Show Python tracebacks", shown), shown
    assert "<bool>" not in run_vtopo("apply", "--help", env={"COLUMNS": "120"}).stdout
    misuse = run_vtopo("--debug", "true", "validate")
    assert misuse.returncode == 1
    assert "--debug takes no value: write `vtopo --debug COMMAND ...`" in misuse.stderr, misuse.stderr
    assert "No such command" not in misuse.stderr


def test_index_build_progress_reads_phase_and_percent():
    """pg_stat_progress_create_index counters: the pair the phase advances gives the percent."""
    row = {"phase": "building index: loading tuples in tree", "blocks_done": 0, "blocks_total": 0,
           "tuples_done": 250, "tuples_total": 1000, "lockers_done": 0, "lockers_total": 0}
    report = BuildReport.from_row(row)
    assert report.percent == 25.0
    assert build_text(report) == "building index: loading tuples in tree 25%"
    assert build_text(report, bar=True).endswith(" " + "█" * 5 + "░" * 15)
    waiting = BuildReport.from_row({**row, "tuples_total": 0, "lockers_done": 1, "lockers_total": 2,
                                    "phase": "waiting for old snapshots"})
    assert build_text(waiting) == "waiting for old snapshots 50%"
    assert build_text(BuildReport("initializing")) == "initializing"


def test_apply_no_sql_leaves_the_sql_out_of_the_plan_it_shows(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="NS", collections={"docs": {"database": "pod1", "dimension": 3}})
    path = make_topology(data, env)
    result = run_vtopo("apply", "-f", str(path), "--auto-approve", "--no-sql", "--no-check")
    assert result.returncode == 0, result.stderr
    assert "+ collection docs" in result.stdout, result.stdout
    assert "CREATE TABLE" not in result.stdout, result.stdout
    assert "Apply complete" in result.stdout


def test_the_hint_for_a_secondary_the_primary_cannot_reach_follows_the_reason():
    from vtopo.query.errors import unreachable_secondary_hint

    refused = unreachable_secondary_hint(
        'could not connect to server "vtopo_pod2": connection to server at "127.0.0.1", port 5 failed: Connection refused',
        "pod2", "topology.yaml")
    assert "unreachable from the primary (connection refused" in refused and "password" not in refused, refused
    wrong = unreachable_secondary_hint('could not connect to server "vtopo_pod2": FATAL: password authentication failed',
                                       "pod2", "topology.yaml")
    assert "check databases.pod2.fdw.password" in wrong, wrong
