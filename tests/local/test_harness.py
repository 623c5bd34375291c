"""The fixtures themselves: fresh databases, role cleanup, topology files."""

from __future__ import annotations

import os

import psycopg

from harness import databases, topology_for
from vtopo.spec import load_topology


def test_databases_are_fresh_and_new_roles_are_dropped(pg_servers):
    dbs = databases.create_databases(pg_servers)
    try:
        assert len({db.dbname for db in dbs}) == 3
        assert len({(db.host, db.port) for db in dbs}) == 3
        for db in dbs:
            with db.connect() as conn:
                assert conn.execute("select current_database()").fetchone()[0] == db.dbname
                assert conn.execute("select count(*) from pg_class where relnamespace = 'public'::regnamespace"
                                    ).fetchone()[0] == 0
        with dbs.secondary1.connect() as conn:
            conn.execute("create role harness_probe login")
            conn.execute("create table owned_by_probe (id int)")
            conn.execute("alter table owned_by_probe owner to harness_probe")
    finally:
        databases.drop_databases(dbs, pg_servers)
    with pg_servers.secondary1.connect() as conn:
        assert conn.execute("select count(*) from pg_roles where rolname = 'harness_probe'").fetchone()[0] == 0
        names = {row[0] for row in conn.execute("select datname from pg_database")}
    assert dbs.secondary1.dbname not in names


def test_topology_for_pg_dbs_is_a_valid_topology(pg_dbs, make_topology):
    data, env = topology_for(pg_dbs, prefix="HT", collections={
        "notes": {"database": "pod1", "dimension": 3, "expose": {"view": "public.notes"}},
    })
    path = make_topology(data, env)
    topology = load_topology(path)
    assert list(topology.databases) == ["app", "pod1", "pod2"]
    assert topology.primary_name == "app"
    names = {name for _, kind, name in topology.secret_references() if kind == "env"}
    assert names == set(env) == {"HT_APP_DSN", "HT_POD1_DSN", "HT_POD2_DSN",
                                 "HT_POD1_FDW_PASSWORD", "HT_POD2_FDW_PASSWORD"}
    for db, variable in zip(pg_dbs, ["HT_APP_DSN", "HT_POD1_DSN", "HT_POD2_DSN"]):
        assert os.environ[variable] == db.dsn  # set for this test by monkeypatch
        with psycopg.connect(os.environ[variable], connect_timeout=10) as conn:
            assert conn.execute("select current_database()").fetchone()[0] == db.dbname
