"""SIGINT during a real `vtopo apply` subprocess: the statement in flight is cancelled (its
transaction rolled back, an unfinished concurrent index dropped), the per-database lines and
"interrupted" are printed, exit 130, the journal and `vtopo status` say what the catalogs hold,
and the next apply finishes the work.

The apply is held at a known point by the test's own session: a lock on the table (inside
pod1's transaction), or an old snapshot (a concurrent build waits for it at its last phase)."""

from __future__ import annotations

import re
import signal
import subprocess
import time

import psycopg
import pytest

from .helpers import relkind, scalar, start_vtopo, vtopo


def _wait_for(db, query: str, what: str, process: subprocess.Popen[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if scalar(db, query):
            return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    out, err = process.communicate()
    raise AssertionError(f"timed out waiting for {what}:\n{out}\n{err}")


def _interrupt(process: subprocess.Popen[str], number: signal.Signals = signal.SIGINT) -> tuple[int, str, str]:
    process.send_signal(number)
    try:
        out, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise AssertionError(f"apply did not stop after SIGINT:\n{err}")
    return process.returncode, out, err


def _journal(db, database: str) -> dict:
    row = db.connect().execute(
        "select status, steps_done, failed_step, rolled_back, error from vtopo._apply_journal"
        " where database = %s order by apply_started_at desc, updated_at desc limit 1",
        (database,),
    ).fetchone()
    return dict(zip(("status", "steps_done", "failed_step", "rolled_back", "error"), row))


def _pod1_collection(topo, **overrides) -> None:
    topo.data["collections"] = {"docs": {"database": "pod1", "dimension": 3, "index": {"method": "none"}, **overrides}}
    topo.write()


@pytest.fixture
def pod1_docs(make_topo):
    topo = make_topo({"docs": {"database": "pod1", "dimension": 3, "index": {"method": "none"}}}, prefix="INT")
    topo.setup_apply()
    with topo.db("pod1").connect() as conn:
        conn.execute("insert into vecs.docs (id, vec) select 'r' || g, array[g, 1, 1]::vector from generate_series(1, 200) g")
    return topo


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_inside_a_transaction_rolls_it_back_and_the_next_apply_converges(pod1_docs, number):
    topo, pod1 = pod1_docs, pod1_docs.db("pod1")
    _pod1_collection(topo, expose={"view": "public.docs"})
    blocker = psycopg.connect(pod1.dsn)
    try:
        blocker.execute("lock table vecs.docs in access exclusive mode")  # the exposure view waits for it
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve", "--lock-timeout", "120s")
        _wait_for(pod1, "select exists (select from pg_stat_activity where wait_event_type = 'Lock'"
                        " and datname = current_database() and query ilike 'create%%view%%')",
                  "the apply's CREATE VIEW to wait for the lock", process)
        code, out, err = _interrupt(process, number)
    finally:
        blocker.close()
    assert code == 130, err
    assert "Traceback" not in out + err, err
    assert f"pod1: interrupted by {number.name} at create exposure_view docs; its transaction was rolled back" in err, err
    assert "app: not started" in err, err
    assert f"interrupted by {number.name}: stopped database 'pod1' at create exposure_view docs" in err, err
    # The catalogs: nothing of pod1's transaction remains.
    assert relkind(pod1, "vtopo.docs") is None
    assert scalar(pod1, "select count(*) from pg_namespace where nspname = 'vtopo'") == 0
    journal = _journal(topo.db("app"), "pod1")
    assert journal["status"] == "interrupted" and journal["rolled_back"] is True and journal["steps_done"] == [], journal
    assert journal["failed_step"] == "create exposure_view docs", journal
    status = vtopo("status", "-f", str(topo.path)).stdout
    assert re.search(r"pod1\s+interrupted, 0 of \d+ step\(s\)", status), status
    assert "interrupted at create exposure_view docs (rolled back)" in status, status
    topo.apply_auto("--no-check")
    topo.assert_converged()


def test_sigint_during_a_concurrent_index_build_drops_the_unfinished_index(pod1_docs):
    topo, pod1 = pod1_docs, pod1_docs.db("pod1")
    topo.data["collections"] = {
        "docs": {"database": "pod1", "dimension": 3, "index": {"method": "hnsw"}},
        "extra": {"database": "pod1", "dimension": 3},  # pod1's transaction: committed before the build
    }
    topo.write()
    blocker = psycopg.connect(pod1.dsn)
    try:
        blocker.execute("begin isolation level repeatable read")
        blocker.execute("select count(*) from pg_class")  # an old snapshot: the build's last phase waits for it
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve")
        _wait_for(pod1, "select exists (select from pg_stat_progress_create_index where phase = 'waiting for old snapshots')",
                  "the concurrent build to reach its last phase", process)
        time.sleep(1.2)  # two progress polls
        code, out, err = _interrupt(process)
    finally:
        blocker.close()
    assert code == 130, err
    assert "Traceback" not in out + err, err
    # Progress in a log (no terminal): one line per phase of the build.
    assert re.search(r"pod1: create vector_index docs: waiting for old snapshots", err), err
    line = next(line for line in err.splitlines() if "pod1: interrupted by SIGINT at" in line)
    assert "vector_index docs" in line and "stay applied" in line and "was dropped" in line, line
    assert relkind(pod1, "vecs.extra") == "r"  # the committed transaction stays
    assert scalar(pod1, "select count(*) from pg_index where indrelid = 'vecs.docs'::regclass and not indisvalid") == 0
    journal = _journal(topo.db("app"), "pod1")
    assert journal["status"] == "interrupted" and journal["rolled_back"] is False, journal
    assert "create collection extra" in journal["steps_done"], journal
    status = vtopo("status", "-f", str(topo.path)).stdout
    assert "interrupted at create vector_index docs (the steps before it stay applied)" in status, status
    topo.apply_auto("--no-check")
    topo.assert_converged()
