"""Fixtures for the load tests: one applied topology per test module (see tests/query/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import PgDatabases, topology_for, write_topology
from harness import databases as harness_databases

from vtopo.pipeline import apply_topology


@dataclass(frozen=True)
class Applied:
    path: Path
    dbs: PgDatabases
    env: dict[str, str]


@pytest.fixture(scope="module")
def applied(request, pg_servers, tmp_path_factory):
    """Fresh databases with the module's COLLECTIONS applied; dropped after the module.
    A module using it must not also use `pg_dbs` (its teardown drops the roles apply created)."""
    dbs = harness_databases.create_databases(pg_servers)
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            data, env = topology_for(dbs, prefix="LD", collections=request.module.COLLECTIONS)
            path = write_topology(tmp_path_factory.mktemp("topology") / "topology.yaml", data, env=env,
                                  monkeypatch=monkeypatch)
            monkeypatch.delenv("VTOPO_FILE", raising=False)
            apply_topology(path, approve=lambda plan: True)
            yield Applied(path, dbs, env)
        finally:
            harness_databases.drop_databases(dbs, pg_servers)
