"""`databases.<name>.reader`: the reader role's limits on its pod (settings IN DATABASE, the
role's connection limit), enforced on queries through the primary, drift planned."""

from __future__ import annotations

import psycopg
import pytest
from harness import run_vtopo

from .helpers import Topo, execute, fill_random, role_settings, scalar

DIMENSION = 8
LIMITS = {"statement_timeout": "300ms", "idle_in_transaction_session_timeout": "30s", "work_mem": "8MB", "connection_limit": 2}


def collections() -> dict:
    return {
        name: {"database": "pod1", "dimension": DIMENSION, "index": {"method": "none"}, "expose": {"view": f"public.{name}"}}
        for name in ("sands", "pebbles")
    }


@pytest.fixture
def limited(make_topo) -> Topo:
    topo = make_topo(collections(), prefix="RL")
    topo.data["databases"]["pod1"]["reader"] = dict(LIMITS)
    topo.write()
    topo.apply_auto()
    for name in ("sands", "pebbles"):
        fill_random(topo.db("pod1"), name, 3000, DIMENSION, prefix=name[0])
    return topo


def test_limits_are_set_for_the_pods_database_only_and_on_the_role(limited):
    reader = limited.reader("pod1")
    settings = role_settings(limited.db("pod1"), reader)
    assert {k: settings[k] for k in ("statement_timeout", "idle_in_transaction_session_timeout", "work_mem")} == {
        "statement_timeout": "300ms", "idle_in_transaction_session_timeout": "30s", "work_mem": "8MB"}
    everywhere = scalar(limited.db("pod1"), "select count(*) from pg_db_role_setting s join pg_roles r on r.oid = s.setrole "
                        "where r.rolname = %s and s.setdatabase = 0", (reader,))
    assert everywhere == 0  # nothing for the server's other databases
    assert scalar(limited.db("pod1"), "select rolconnlimit from pg_roles where rolname = %s", (reader,)) == 2
    limited.assert_plan_empty()


def test_a_query_through_the_primary_longer_than_the_timeout_is_cancelled_and_the_next_one_works(limited):
    # Both views are on pod1: postgres_fdw ships the join (and the count) whole, so it runs there, as the reader.
    slow = "select sum(s.embedding <-> p.embedding) from public.sands s, public.pebbles p"  # 9M distances there
    with psycopg.connect(limited.db("app").dsn, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute(slow).fetchone()
        assert conn.execute("select count(*) from public.sands").fetchone()[0] == 3000


def test_connections_past_the_limit_fail_clearly(limited):
    sessions = [psycopg.connect(limited.db("app").dsn, autocommit=True) for _ in range(3)]
    try:
        for conn in sessions[:2]:  # each primary session keeps its own connection to the pod
            assert conn.execute("select count(*) from public.sands").fetchone()[0] == 3000
        with pytest.raises(psycopg.Error, match="too many connections for role"):
            sessions[2].execute("select count(*) from public.sands").fetchone()
    finally:
        for conn in sessions:
            conn.close()


def test_drift_in_each_limit_shows_in_the_plan_and_apply_restores_it(limited):
    reader, pod1 = limited.reader("pod1"), limited.db("pod1")
    execute(pod1, f"alter role {reader} in database {pod1.dbname} set statement_timeout = '5s'",
            f"alter role {reader} in database {pod1.dbname} reset work_mem",
            f"alter role {reader} connection limit 50")
    changes = {(c["action"], c["kind"], c["name"]) for c in limited.plan_document()["changes"]}
    assert ("update", "role_setting", f"{reader}:statement_timeout") in changes
    assert ("create", "role_setting", f"{reader}:work_mem") in changes
    assert ("update", "role", reader) in changes
    limited.apply_auto()
    limited.assert_plan_empty()
    assert scalar(pod1, "select rolconnlimit from pg_roles where rolname = %s", (reader,)) == 2
    assert role_settings(pod1, reader)["statement_timeout"] == "300ms"


def test_the_primary_takes_no_reader_limits(limited):
    limited.data["databases"]["app"]["reader"] = {"statement_timeout": "1s"}
    limited.write()
    result = run_vtopo("validate", "-f", str(limited.path))
    assert result.returncode == 1
    assert "databases.app.reader" in result.stderr and "the primary has no reader role" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_callers_longer_timeout_does_not_lift_the_pods_limit_on_a_search(limited):
    """The search function sends the caller's statement_timeout, but never above the reader's."""
    import json
    import time

    query = json.dumps([0.5] * DIMENSION)
    with psycopg.connect(limited.db("pod1").dsn) as blocker, psycopg.connect(limited.db("app").dsn, autocommit=True) as conn:
        assert len(conn.execute("select id from public.match_sands(%s::vector, 3)", (query,)).fetchall()) == 3
        blocker.execute("lock table vecs.sands in access exclusive mode")  # the remote search waits on this
        conn.execute("set statement_timeout = '60s'")
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute("select id from public.match_sands(%s::vector, 3)", (query,)).fetchall()
        assert time.monotonic() - started < 5.0  # the reader's 300ms, not the caller's 60s
        blocker.rollback()
        assert len(conn.execute("select id from public.match_sands(%s::vector, 3)", (query,)).fetchall()) == 3
