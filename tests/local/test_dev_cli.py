"""`vtopo dev up|env|status|down` end to end: real servers, the real CLI in a subprocess."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import psutil
import psycopg

from harness import run_vtopo, write_topology

TOPOLOGY = {
    "version": 1,
    "name": "dev-cli-test",
    "databases": {
        "hub": {"primary": True, "dsn": "${env:DEVT_HUB_DSN}"},
        "shard_a": {"dsn": "${env:DEVT_SHARD_A_DSN}", "fdw": {"password": "${env:DEVT_SHARD_A_FDW_PW}"}},
        # Not a whole-value reference: vtopo dev cannot fill it and says so.
        "shard_b": {"dsn": "host=${env:DEVT_FAR_HOST} dbname=postgres"},
    },
}


def _processes_under(data_dir: Path) -> list[psutil.Process]:
    """postgres processes of a data dir, found independently of vtopo.local: the
    postmaster names it in its command line, the backends run inside it."""
    target = str(data_dir.resolve())
    found = []
    for process in psutil.process_iter(["name", "cwd", "cmdline"]):
        if process.info["name"] == "postgres" and (
            process.info["cwd"] == target or any(target in arg for arg in process.info["cmdline"] or [])
        ):
            found.append(process)
    return found


def _exports(stdout: str) -> dict[str, str]:
    values = {}
    for line in stdout.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            values[name] = shlex.split(value)[0]
    return values


def _vtopo(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = run_vtopo(*args, cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_dev_up_env_status_down(server_tmp_path):
    write_topology(server_tmp_path / "topo.yaml", TOPOLOGY)
    dev_dir = server_tmp_path / ".vtopo" / "dev"
    data_dirs = {name: dev_dir / name for name in TOPOLOGY["databases"]}

    up = _vtopo("dev", "up", "-f", "topo.yaml", cwd=server_tmp_path)
    state = json.loads((dev_dir / "state.json").read_text())
    assert (dev_dir / "state.json").stat().st_mode & 0o077 == 0  # passwords inside: owner only
    ports = {name: state["servers"][name]["port"] for name in data_dirs}
    assert len(set(ports.values())) == 3
    for name, port in ports.items():
        assert name in up.stderr and str(port) in up.stderr
        assert state["servers"][name]["password"] not in up.stderr + up.stdout
        assert (data_dirs[name] / "PG_VERSION").exists()

    env = _vtopo("dev", "env", "-f", "topo.yaml", cwd=server_tmp_path)
    exports = _exports(env.stdout)
    assert set(exports) == {"DEVT_HUB_DSN", "DEVT_SHARD_A_DSN", "DEVT_SHARD_A_FDW_PW"}
    assert "# DEVT_FAR_HOST: not set by vtopo dev (used by databases.shard_b.dsn)" in env.stdout.splitlines()
    assert exports["DEVT_SHARD_A_FDW_PW"] == state["fdw_passwords"]["DEVT_SHARD_A_FDW_PW"]
    assert _vtopo("dev", "env", "-f", "topo.yaml", cwd=server_tmp_path).stdout == env.stdout  # stable

    # The output is meant for `eval`: a shell gets exactly the same values back.
    echoed = subprocess.run(["bash", "-c", 'eval "$1"; printf %s "$DEVT_HUB_DSN"', "-", env.stdout],
                            capture_output=True, text=True, check=True).stdout
    assert echoed == exports["DEVT_HUB_DSN"]
    for name, variable in (("hub", "DEVT_HUB_DSN"), ("shard_a", "DEVT_SHARD_A_DSN")):
        with psycopg.connect(exports[variable], connect_timeout=10) as conn:
            row = conn.execute("select current_user, inet_server_port(), current_setting('data_directory')").fetchone()
            assert row == ("postgres", ports[name], str(data_dirs[name].resolve()))

    status = _vtopo("dev", "status", "-f", "topo.yaml", cwd=server_tmp_path)
    assert status.stdout.count("running") == 3  # the table is the command's output
    postmasters = {name: {p.pid for p in _processes_under(d)} for name, d in data_dirs.items()}
    assert all(postmasters.values())

    again = _vtopo("dev", "up", "-f", "topo.yaml", cwd=server_tmp_path)
    assert again.stderr.count("reused") == 3
    assert json.loads((dev_dir / "state.json").read_text())["servers"] == state["servers"]
    assert {name: {p.pid for p in _processes_under(d)} for name, d in data_dirs.items()} == postmasters

    _vtopo("dev", "down", "-f", "topo.yaml", cwd=server_tmp_path)
    for data_dir in data_dirs.values():
        assert _processes_under(data_dir) == []
        assert (data_dir / "PG_VERSION").exists()  # down keeps the data
    assert _vtopo("dev", "status", "-f", "topo.yaml", cwd=server_tmp_path).stdout.count("stopped") == 3

    # Stopped servers come back on their recorded ports with the same credentials.
    restarted = _vtopo("dev", "up", "-f", "topo.yaml", cwd=server_tmp_path)
    assert restarted.stderr.count("started") == 3
    assert _vtopo("dev", "env", "-f", "topo.yaml", cwd=server_tmp_path).stdout == env.stdout
    with psycopg.connect(exports["DEVT_SHARD_A_DSN"], connect_timeout=10) as conn:
        assert conn.execute("select inet_server_port()").fetchone()[0] == ports["shard_a"]

    _vtopo("dev", "down", "--purge", "-f", "topo.yaml", cwd=server_tmp_path)
    for data_dir in data_dirs.values():
        assert _processes_under(data_dir) == []
    assert not (server_tmp_path / ".vtopo").exists()


def test_dev_env_before_up_is_a_clear_error(tmp_path):
    write_topology(tmp_path / "topo.yaml", TOPOLOGY)
    done = run_vtopo("dev", "env", "-f", "topo.yaml", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "vtopo dev up" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / ".vtopo").exists()


def test_dev_status_and_down_without_servers(tmp_path):
    write_topology(tmp_path / "topo.yaml", TOPOLOGY)
    assert "no local servers" in _vtopo("dev", "status", "-f", "topo.yaml", cwd=tmp_path).stderr
    assert "no local servers" in _vtopo("dev", "down", "-f", "topo.yaml", cwd=tmp_path).stderr


ENVIRONMENTS = {
    "version": 1,
    "databases": {
        "hub": {"primary": True, "dsn": "${env:DEVE_HUB_DSN}"},
        "side": {"dsn": "${env:DEVE_SIDE_DSN}"},
    },
    "environments": {"small": {"databases": {"side": None}}},  # the small environment has the hub only
}


def test_dev_up_takes_ports_and_status_down_take_an_environment(server_tmp_path):
    from vtopo.local.embedded import free_port

    write_topology(server_tmp_path / "topo.yaml", ENVIRONMENTS)
    chosen = free_port()
    try:
        up = _vtopo("dev", "up", "-f", "topo.yaml", "--port", f"hub={chosen}", cwd=server_tmp_path)
        assert re.search(rf"hub\s+{chosen}\s", up.stderr), up.stderr
        exports = _exports(_vtopo("dev", "env", "-f", "topo.yaml", cwd=server_tmp_path).stdout)
        with psycopg.connect(exports["DEVE_HUB_DSN"], connect_timeout=10) as conn:
            assert conn.execute("select inet_server_port()").fetchone()[0] == chosen

        small = _vtopo("dev", "status", "-f", "topo.yaml", "--env", "small", cwd=server_tmp_path).stdout
        assert "hub" in small and "side" not in small, small
        _vtopo("dev", "down", "-f", "topo.yaml", "--env", "small", cwd=server_tmp_path)
        after = _vtopo("dev", "status", "-f", "topo.yaml", cwd=server_tmp_path).stdout
        rows = {line.split()[0]: line.split()[-1] for line in after.splitlines()[1:] if line.strip()}
        assert rows == {"hub": "stopped", "side": "running"}, after

        bad = run_vtopo("dev", "up", "-f", "topo.yaml", "--port", "nowhere=5432", cwd=server_tmp_path)
        assert bad.returncode == 1 and "not a database of the topology" in bad.stderr, bad.stderr
    finally:
        run_vtopo("dev", "down", "-f", "topo.yaml", "--purge", cwd=server_tmp_path)
