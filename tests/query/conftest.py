"""Fixtures for the query tests: one applied topology per test module.

Applying a topology takes a few seconds, so modules that only read (or write
into their own collections) share one: `applied` creates fresh databases on
the session's servers, writes the module's COLLECTIONS into a topology,
applies it and drops everything at the end of the module. A module using it
must not also use `pg_dbs` (its teardown drops the roles apply created).
"""

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


def apply_and_check(path: Path) -> None:
    outcome = apply_topology(path, approve=lambda plan: True)
    assert outcome.remaining is None or outcome.remaining.is_empty, outcome.remaining.summary()


@pytest.fixture(scope="module")
def applied(request, pg_servers, tmp_path_factory):
    collections = request.module.COLLECTIONS
    prefix = getattr(request.module, "PREFIX", "QT")
    dbs = harness_databases.create_databases(pg_servers)
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            data, env = topology_for(dbs, prefix=prefix, collections=collections)
            path = write_topology(tmp_path_factory.mktemp("topology") / "topology.yaml", data, env=env,
                                  monkeypatch=monkeypatch)
            monkeypatch.delenv("VTOPO_FILE", raising=False)
            apply_and_check(path)
            yield Applied(path, dbs, env)
        finally:
            harness_databases.drop_databases(dbs, pg_servers)

