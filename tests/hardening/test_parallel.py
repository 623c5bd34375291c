"""Four `vtopo apply` processes on one topology at once; parallel `vtopo plan` runs while an
apply holds its locks and waits inside the primary's transaction."""

from __future__ import annotations

import json
import subprocess
import time

from integration.helpers import rows, start_vtopo

from .faults import Watcher, changes, current_plan, holding, journal_rows, step_labels

APPLIES = 4


def finish(processes: list[subprocess.Popen], timeout: float = 180) -> list[tuple[int, str, str]]:
    results = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=timeout)
        results.append((process.returncode, stdout, stderr))
    return results


def test_four_parallel_applies_all_end_and_the_result_is_the_plan(topo):
    plan = current_plan(topo)
    processes = [start_vtopo("apply", "-f", str(topo.path), "--auto-approve") for _ in range(APPLIES)]
    results = finish(processes)
    shown = "\n".join(f"--- exit {code}\n{out}\n{err}" for code, out, err in results)
    assert [code for code, _, _ in results] == [0] * APPLIES, shown
    assert all("Traceback" not in out + err for _, out, err in results), shown
    # One apply did the work; the others waited for vtopo's lock, re-read the catalogs and
    # found nothing left to do.
    assert sum("Apply complete" in out for _, out, _ in results) == 1, shown
    assert sum("No changes" in out for _, out, _ in results) == APPLIES - 1, shown

    topo.assert_converged()
    for key, table in (("pod1", "articles"), ("pod2", "clips"), ("app", "faces")):
        indexes = rows(topo.db(key), "select indisvalid from pg_index where indrelid = to_regclass(%s)", (f"vecs.{table}",))
        assert indexes and all(valid for (valid,) in indexes), (table, indexes)
    journal = journal_rows(topo)
    assert len({row["apply_id"] for row in journal}) == 1, journal  # applies with nothing to do write no entry
    for row in journal:
        assert row["status"] == "applied" and sorted(row["steps_done"]) == sorted(step_labels(plan, row["database"])), row


def test_parallel_plans_neither_block_each_other_nor_wait_for_a_running_apply(applied):
    """An apply is held inside the primary's transaction (its DROP VIEW waits for a lock), with
    vtopo's advisory lock on every database: four plans started together all finish promptly
    and all show the same pending changes."""
    topo, app = applied, applied.db("app")
    topo.collections["clips"]["metadata"]["take"] = {"type": "integer"}
    topo.write()
    expected = changes(current_plan(topo))

    with holding(app, "lock table public.clips in access share mode"):
        apply = start_vtopo("apply", "-f", str(topo.path), "--auto-approve")
        watcher = Watcher(app, r"^DROP VIEW", lambda pid: None)
        watcher.start()
        watcher.joined()  # the apply is now waiting inside the primary's transaction
        began = time.monotonic()
        plans = [start_vtopo("plan", "-f", str(topo.path), "--format", "json", "--detailed-exitcode") for _ in range(APPLIES)]
        results = finish(plans, timeout=60)
        elapsed = time.monotonic() - began
        assert apply.poll() is None, "the apply should still be waiting for the lock"
    apply_stdout, apply_stderr = apply.communicate(timeout=120)
    assert apply.returncode == 0, apply_stderr

    shown = "\n".join(err for _, _, err in results)
    assert [code for code, _, _ in results] == [2] * APPLIES, shown
    for _, out, _ in results:
        # the secondaries' part is done by now or not: either way the primary's part is pending
        document = json.loads(out)
        found = {(c["database"], c["kind"], c["name"], c["action"]) for c in document["changes"]}
        assert found <= expected and {c for c in expected if c[0] == "app"} <= found, found
    assert elapsed < 30, f"four plans took {elapsed:.1f}s while an apply held its locks"
    topo.assert_converged()
