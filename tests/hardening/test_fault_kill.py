"""The apply's backend is killed (pg_terminate_backend from another session) in each phase:
inside a secondary's transaction, during a concurrent index build, inside the primary's
wiring transaction; and the vtopo process itself is SIGKILLed mid-transaction.

After each: every database is in its old or its planned state, the error names the database
and the step and says what is already done, the journal and `vtopo status` tell the same, the
next plan shows exactly the remaining work, and a re-run converges with an empty plan.
"""

from __future__ import annotations

import os
import signal

import pytest

from integration.helpers import check_run, snapshots, start_vtopo
from vtopo.apply.executor import ApplyError
from vtopo.catalog.model import ObjectKind
from vtopo.operations import apply_topology
from vtopo.spec.names import owned_reader_role_name

from .faults import (
    KillAtStatement,
    Watcher,
    assert_old_or_planned,
    changes,
    current_plan,
    holding,
    journal_rows,
    remaining_after,
    step_labels,
    status_json,
    terminate,
    vector_indexes_of,
)

KILLED = ("terminating connection due to administrator command", "server closed the connection", "consuming input failed")


def assert_killed_message(text: str) -> None:
    assert any(fragment in text for fragment in KILLED), text


def test_kill_inside_a_secondary_transaction(topo):
    """pod1's session dies right before its exposure view is created: schema, table, indexes
    and reader role made earlier in the same transaction are gone; pod2 (in parallel) is done."""
    plan = current_plan(topo)
    before = snapshots(topo.dbs)
    killer = KillAtStatement.terminating("pod1", topo.db("pod1"), lambda step, _: step.change.kind is ObjectKind.exposure_view)

    with pytest.raises(ApplyError) as raised:
        apply_topology(topo.path, approve=lambda _: True, progress=killer)
    error = raised.value
    assert killer.fired_at == "create exposure_view articles"
    assert error.message.startswith("database 'pod1': create exposure_view articles failed: "), error.message
    assert_killed_message(error.message)
    outcomes = error.result.outcomes
    assert (outcomes["pod1"].status, outcomes["pod1"].rolled_back) == ("failed", True)
    assert outcomes["pod2"].status == "applied" and len(outcomes["pod2"].applied) == outcomes["pod2"].planned
    assert outcomes["app"].status == "not started" and outcomes["app"].applied == []

    assert_old_or_planned(topo, before, old={"app", "pod1"}, planned={"pod2"})
    assert changes(current_plan(topo)) == remaining_after(plan, done={"pod2"})

    status = status_json(topo)["databases"]
    assert status["pod1"]["status"] == "failed" and status["pod1"]["rolled_back"] is True
    assert status["pod1"]["failed_step"] == "create exposure_view articles" and status["pod1"]["steps_done"] == []
    assert_killed_message(status["pod1"]["error"])
    assert status["pod2"]["status"] == "applied" and len(status["pod2"]["steps_done"]) == status["pod2"]["steps_planned"]
    assert status["app"]["status"] == "not started" and status["app"]["finished_at"]
    assert len({entry["apply_id"] for entry in status.values()}) == 1

    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr
    topo.assert_converged()
    assert {entry["status"] for entry in status_json(topo)["databases"].values()} == {"applied"}


def test_kill_during_a_concurrent_index_build(applied):
    """pod1's online index replacement is killed while CREATE INDEX CONCURRENTLY waits for a
    writer: the build leaves an invalid index, which the next apply detects, drops and rebuilds."""
    topo, pod1 = applied, applied.db("pod1")
    topo.collections["articles"]["index"] = {"method": "hnsw", "m": 12, "ef_construction": 32}
    topo.write()
    assert changes(current_plan(topo)) == {("pod1", "vector_index", "articles", "replace")}
    before = snapshots(topo.dbs)
    (old_index,) = vector_indexes_of(pod1, "articles")

    with holding(pod1, "insert into vecs.articles (id, vec) values ('writer', '[1,1,1,1,1,1,1,1]')"):
        watcher = Watcher(pod1, r"^CREATE INDEX CONCURRENTLY", lambda pid: terminate(pod1, pid))
        watcher.start()
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve")
        caught = watcher.joined()
        stdout, stderr = process.communicate(timeout=120)
    result = check_run(_completed(process, stdout, stderr), 1, "apply killed during CREATE INDEX CONCURRENTLY")
    assert "m12_efc32" in caught
    message = result.stderr
    assert "error: database 'pod1': online_replace vector_index articles failed: " in message, message
    assert_killed_message(message)
    assert "the next apply drops and rebuilds it" in message, message
    assert "pod1: failed at online_replace vector_index articles; nothing was applied before it" in message, message

    indexes = vector_indexes_of(pod1, "articles")
    assert old_index in indexes and len(indexes) == 2, indexes
    (leftover,) = [index for index in indexes if index != old_index]
    assert leftover[1] is False and "m=12" in leftover[2], leftover  # the interrupted build's invalid index
    assert_old_or_planned(topo, before, old={"app", "pod2"})

    # Detected: the old index is still to be replaced, and the invalid one is dropped.
    assert changes(current_plan(topo)) == {
        ("pod1", "vector_index", "articles", "replace"),
        ("pod1", "vector_index", f"articles#{leftover[0]}", "delete"),
    }
    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr
    (rebuilt,) = vector_indexes_of(pod1, "articles")
    assert rebuilt[1] is True and "m=12" in rebuilt[2], rebuilt
    topo.assert_converged()


def _completed(process, stdout, stderr):
    import subprocess

    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def _change_secondaries_and_the_primary(topo) -> None:
    """pod1: a search setting (role setting update); pod2: a new promoted field (its exposure
    view is replaced); the primary: the foreign table and view over clips are replaced."""
    topo.collections["articles"]["search"]["ef_search"] = 80
    topo.collections["clips"]["metadata"]["take"] = {"type": "integer"}
    topo.write()


def test_kill_inside_the_primary_wiring_after_the_secondaries_changed(applied):
    """Partial topology failure: both secondaries are changed, then the primary's transaction is
    killed while it replaces the exposed view. The report lists what each database applied, the
    next plan is exactly the primary's part, the journal agrees, and a re-run finishes the job."""
    topo, app = applied, applied.db("app")
    _change_secondaries_and_the_primary(topo)
    plan = current_plan(topo)
    assert {c[0] for c in changes(plan)} == {"app", "pod1", "pod2"}
    before = snapshots(topo.dbs)

    with holding(app, "lock table public.clips in access share mode"):
        watcher = Watcher(app, r"^DROP VIEW", lambda pid: terminate(app, pid))
        watcher.start()
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve")
        watcher.joined()
        stdout, stderr = process.communicate(timeout=120)
    message = check_run(_completed(process, stdout, stderr), 1, "apply killed in the primary's transaction").stderr
    assert "error: database 'app': drop exposed_view public.clips failed: " in message, message
    assert_killed_message(message)
    assert "app: failed at drop exposed_view public.clips; its transaction was rolled back" in message, message
    reader = owned_reader_role_name("pod1", topo.db("pod1").dbname)
    assert f"pod1: applied, 1 step(s): update role_setting {reader}:hnsw.ef_search" in message, message
    pod2_steps = step_labels(plan, "pod2")
    assert "drop exposure_view clips" in pod2_steps and "create exposure_view clips" in pod2_steps
    assert f"pod2: applied, {len(pod2_steps)} step(s): {', '.join(pod2_steps)}" in message, message

    assert_old_or_planned(topo, before, old={"app"}, planned={"pod1", "pod2"})
    remaining = current_plan(topo)
    assert changes(remaining) == remaining_after(plan, done={"pod1", "pod2"}), "the next plan is exactly the primary's part"

    status = status_json(topo)["databases"]
    assert status["pod1"]["status"] == status["pod2"]["status"] == "applied"
    assert status["pod2"]["steps_done"] == pod2_steps
    assert status["app"]["status"] == "failed" and status["app"]["failed_step"] == "drop exposed_view public.clips"
    assert status["app"]["rolled_back"] is True and status["app"]["steps_done"] == []

    text = check_run(topo_status(topo), 0, "vtopo status").stdout
    assert "✗  app" in text and "failed at drop exposed_view public.clips (rolled back)" in text, text
    assert "password=(sensitive)" in text and topo.db("app").password not in text, text

    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr
    topo.assert_converged()


def topo_status(topo):
    from harness import run_vtopo

    return run_vtopo("status", "-f", str(topo.path))


def test_the_vtopo_process_is_killed_inside_the_primary_transaction(applied):
    """SIGKILL while the primary's transaction waits for a lock: the server rolls it back when
    the client is gone, the advisory locks go with the sessions, the journal shows the apply as
    running (or interrupted), and the next apply finishes the work."""
    topo, app = applied, applied.db("app")
    _change_secondaries_and_the_primary(topo)
    plan = current_plan(topo)
    before = snapshots(topo.dbs)

    with holding(app, "lock table public.clips in access share mode"):
        process = start_vtopo("apply", "-f", str(topo.path), "--auto-approve")
        watcher = Watcher(app, r"^DROP VIEW", lambda pid: os.kill(process.pid, signal.SIGKILL))
        watcher.start()
        watcher.joined()
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL

    assert_old_or_planned(topo, before, old={"app"}, planned={"pod1", "pod2"})
    assert changes(current_plan(topo)) == remaining_after(plan, done={"pod1", "pod2"})
    last = {row["database"]: row for row in journal_rows(topo)[-3:]}
    assert last["app"]["status"] == "running" and not last["app"]["finished"]
    assert "running (or interrupted" in check_run(topo_status(topo), 0, "vtopo status").stdout

    assert "verified: a fresh plan is empty" in topo.apply_auto().stderr
    topo.assert_converged()
