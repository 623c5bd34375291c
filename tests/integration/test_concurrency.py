"""Two applies at once: vtopo's advisory lock keeps them apart."""

from __future__ import annotations

import time

from .helpers import LOCK_KEY, assert_unchanged, snapshots, start_vtopo


def test_two_concurrent_applies_both_end_and_the_databases_converge(topo):
    processes = [start_vtopo("apply", "-f", str(topo.path), "--auto-approve") for _ in range(2)]
    results = [(process, *process.communicate(timeout=180)) for process in processes]
    codes = [process.returncode for process, _, _ in results]
    assert set(codes) <= {0, 1} and codes.count(1) <= 1, results
    for process, stdout, stderr in results:
        assert "Traceback" not in stdout + stderr, stderr
        if process.returncode:
            assert "holds the lock" in stderr or "stale" in stderr, stderr
    assert sum("Apply complete" in stdout for _, stdout, _ in results) == 1, results
    topo.assert_converged()


def test_apply_names_the_session_holding_the_lock(topo):
    pod1 = topo.db("pod1")
    before = snapshots(topo.dbs)
    with pod1.connect() as holder:
        holder.execute("set application_name = 'itest lock holder'")
        holder.execute("select pg_advisory_lock(%s, %s)", LOCK_KEY)
        holder_pid = holder.info.backend_pid
        began = time.monotonic()
        refused = topo.apply_auto("--lock-wait", "1", expect=1)
        assert time.monotonic() - began >= 1
    message = refused.stderr
    assert "database 'pod1'" in message and "another vtopo apply holds the lock" in message, message
    assert "itest lock holder" in message and f"pid {holder_pid}" in message, message
    assert_unchanged(before, topo.dbs)

    topo.setup_apply()  # the holder is gone
