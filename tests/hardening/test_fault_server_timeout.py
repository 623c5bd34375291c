"""A secondary's server stops mid-apply; a DDL statement and a concurrent index build time out;
a long transaction holds up (but does not fail) an online index replacement.

Same promises as test_fault_kill: old or planned state per database, an error naming the
database and step, the journal, and a re-run that converges.
"""

from __future__ import annotations

import re
import time

import psycopg
import pytest

from harness import run_vtopo, topology_for
from integration.helpers import Topo, check_run, execute, snapshot, snapshots, start_vtopo
from vtopo.apply.executor import ApplyError
from vtopo.catalog.model import ObjectKind
from vtopo.local import LocalCluster, ServerOptions
from vtopo.operations import apply_topology

from .faults import (
    KillAtStatement,
    assert_old_or_planned,
    changes,
    current_plan,
    holding,
    remaining_after,
    status_json,
    vector_indexes_of,
)


@pytest.fixture
def own_pod2(pg_servers, pg_dbs, make_topology, monkeypatch, server_tmp_path):
    """The gallery with pod2 on a server of its own (the session's servers must stay up)."""
    if pg_servers.engine != "embedded":
        pytest.skip("stopping a server mid-apply needs the embedded engine (the primary must reach it on 127.0.0.1)")
    from integration.helpers import gallery_collections

    cluster = LocalCluster(server_tmp_path / "own", ServerOptions(fsync=False))
    (server,) = cluster.up(["pod2"])
    data, env = topology_for(pg_dbs, prefix="OWN", collections=gallery_collections())
    env["OWN_POD2_DSN"] = server.dsn()
    topo = Topo(make_topology(data, env), data, env, pg_dbs, monkeypatch)
    try:
        yield topo, cluster, server
    finally:
        cluster.down(purge=True)


def test_a_secondary_server_stops_mid_apply(own_pod2):
    topo, cluster, server = own_pod2
    plan = current_plan(topo)
    before = {key: snapshot(topo.db(key)) for key in ("app", "pod1")}
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        pod2_before = set(conn.execute("select rolname from pg_roles").fetchall())

    # Right before pod2 creates its exposure view (its extension, schema, table, indexes and
    # reader role already made in the open transaction), its server shuts down (fast mode).
    stopper = KillAtStatement("pod2", lambda step, _: step.change.kind is ObjectKind.exposure_view, cluster.down)
    with pytest.raises(ApplyError) as raised:
        apply_topology(topo.path, approve=lambda _: True, progress=stopper)
    assert stopper.fired_at == "create exposure_view clips"
    error = raised.value
    assert error.message.startswith("database 'pod2': create exposure_view clips failed: "), error.message
    outcomes = error.result.outcomes
    assert (outcomes["pod2"].status, outcomes["pod2"].rolled_back) == ("failed", True)
    assert outcomes["pod1"].status == "applied" and outcomes["app"].status == "not started"

    # While pod2 is down, plan names it and says what to check.
    down = check_run(run_vtopo("plan", "-f", str(topo.path)), 1, "plan with pod2 down")
    assert "database 'pod2': cannot connect" in down.stderr and "hint: is the server running" in down.stderr, down.stderr
    assert status_json(topo)["databases"]["pod2"]["status"] == "failed"  # status needs only the primary

    (restarted,) = cluster.up(["pod2"])
    topo.setenv("OWN_POD2_DSN", restarted.dsn())
    with psycopg.connect(restarted.dsn(), autocommit=True) as conn:
        assert not conn.execute("select 1 from pg_namespace where nspname = 'vecs'").fetchall()  # rolled back
        assert set(conn.execute("select rolname from pg_roles").fetchall()) == pod2_before  # the reader role too
    assert snapshot(topo.db("app")) == before["app"]
    assert changes(current_plan(topo)) == remaining_after(plan, done={"pod1"})

    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr
    topo.assert_converged()


def test_a_ddl_statement_times_out(applied):
    """pod1's exposure view must be re-created (a new promoted field) while another session holds
    an ACCESS EXCLUSIVE lock on vecs.articles: with --statement-timeout 1s the CREATE VIEW is
    cancelled, pod1's transaction rolls back, the primary's phase never starts."""
    topo, pod1 = applied, applied.db("pod1")
    topo.collections["articles"]["metadata"]["source"] = {"type": "text"}
    topo.write()
    plan = current_plan(topo)
    before = snapshots(topo.dbs)

    with holding(pod1, "lock table vecs.articles in access exclusive mode"):
        failed = topo.apply_auto("--statement-timeout", "1s", expect=1)
    message = failed.stderr
    assert "error: database 'pod1': create exposure_view articles failed: canceling statement due to statement timeout" in message, message
    assert "pod1: failed at create exposure_view articles; its transaction was rolled back" in message, message
    assert "app: not started" in message, message
    assert_old_or_planned(topo, before, old={"app", "pod1", "pod2"})
    assert changes(current_plan(topo)) == changes(plan)

    status = status_json(topo)["databases"]
    assert status["pod1"]["error"] == "canceling statement due to statement timeout"
    assert status["app"]["status"] == "not started" and status["pod2"]["apply_id"] != status["pod1"]["apply_id"]  # pod2: no change

    assert "verified: a fresh plan is empty" in topo.apply_auto("--statement-timeout", "1s").stderr
    topo.assert_converged()


def test_a_concurrent_index_build_times_out(applied):
    """pod2's IVFFlat index is replaced online while an uncommitted write holds up CREATE INDEX
    CONCURRENTLY: --index-timeout 1s cancels the build, which leaves an invalid index behind;
    the next apply detects it, drops it and builds the index again."""
    topo, pod2 = applied, applied.db("pod2")
    topo.collections["clips"]["index"] = {"method": "ivfflat", "lists": 8}
    topo.write()
    before = snapshots(topo.dbs)
    (old_index,) = vector_indexes_of(pod2, "clips")

    with holding(pod2, "insert into vecs.clips (id, vec) values ('writer', '[1,1,1,1]')"):
        failed = topo.apply_auto("--index-timeout", "1s", expect=1)
    message = failed.stderr
    # --index-timeout is the build's statement_timeout and lock_timeout: either may fire first.
    assert re.search(r"error: database 'pod2': online_replace vector_index clips failed: canceling statement due to (statement|lock) timeout", message), message
    assert "the next apply drops and rebuilds it" in message, message
    assert "pod2: failed at online_replace vector_index clips; nothing was applied before it" in message, message
    assert "app: nothing to do" in message and "pod1: nothing to do" in message, message
    indexes = vector_indexes_of(pod2, "clips")
    (leftover,) = [index for index in indexes if index != old_index]
    assert leftover[1] is False and leftover[2] == ["lists=8"], indexes
    assert_old_or_planned(topo, before, old={"app", "pod1"})
    assert changes(current_plan(topo)) == {
        ("pod2", "vector_index", "clips", "replace"),
        ("pod2", "vector_index", f"clips#{leftover[0]}", "delete"),
    }

    execute(pod2, "insert into vecs.clips (id, vec) values ('after', '[1,2,3,4]')")
    assert "verified: a fresh plan is empty" in topo.apply_auto("--index-timeout", "1min").stderr
    (rebuilt,) = vector_indexes_of(pod2, "clips")
    assert rebuilt[1] is True and rebuilt[2] == ["lists=8"], rebuilt
    topo.assert_converged()


def test_a_long_transaction_delays_an_online_replacement_but_does_not_fail_it(applied):
    """CREATE INDEX CONCURRENTLY waits for every older transaction in the database. A read-only
    transaction open longer than --lock-timeout used to fail the build ("canceling statement due
    to lock timeout"): the build's waits block nobody, so only --index-timeout bounds them."""
    topo, pod1 = applied, applied.db("pod1")
    topo.collections["articles"]["index"] = {"method": "hnsw", "m": 12, "ef_construction": 32}
    topo.write()
    with holding(pod1, "set transaction isolation level repeatable read", "select count(*) from pg_class"):
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve", "--lock-timeout", "1s", "--no-check")
        time.sleep(3)
        assert process.poll() is None, process.communicate()  # still waiting for the old transaction
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and "verified: a fresh plan is empty" in stderr, stderr
    (index,) = vector_indexes_of(pod1, "articles")
    assert index[1] is True and "m=12" in index[2], index
