"""One reading of a failed database (rolled back / steps stay / nothing applied) and the
words each report gives it; journal statuses as one enum whose values are what JSON shows."""

from __future__ import annotations

import json

from vtopo.apply.executor import ApplyResult, DatabaseOutcome
from vtopo.apply.journal import ApplyStatus, FailureState, JournalEntry, failure_state
from vtopo.operations.status import TopologyStatus
from vtopo.report.apply import outcome_lines
from vtopo.report.status import render_status, status_document


def test_failure_state():
    assert failure_state(rolled_back=True, steps_done=3) is FailureState.rolled_back
    assert failure_state(rolled_back=False, steps_done=2) is FailureState.steps_stay
    assert failure_state(rolled_back=False, steps_done=0) is FailureState.nothing_applied
    assert failure_state(rolled_back=None, steps_done=0) is FailureState.nothing_applied


def test_apply_lines_per_database():
    outcomes = [
        DatabaseOutcome("a", failed_step="create collection x", error="boom", planned=2),
        DatabaseOutcome("b", applied=["create x"], failed_step="build y", error="boom", rolled_back=False, planned=2),
        DatabaseOutcome("c", failed_step="build y", error="boom", rolled_back=False, planned=1),
        DatabaseOutcome("d", applied=["create x", "create y"], planned=2),
        DatabaseOutcome("e", applied=["create x"], planned=3),
        DatabaseOutcome("f", planned=4),
        DatabaseOutcome("g"),
    ]
    lines = [line.plain for line in outcome_lines(ApplyResult({o.database: o for o in outcomes}))]
    assert lines == [
        "✗ a: failed at create collection x; its transaction was rolled back, nothing of it stays applied",
        "✗ b: failed at build y; the 1 of 2 step(s) before it stay applied: create x",
        "✗ c: failed at build y; nothing was applied before it",
        "✓ d: applied, 2 step(s): create x, create y",
        "◐ e: stopped after 1 of 3 step(s): create x",
        "- f: not started (4 step(s) left)",
        "- g: nothing to do",
        "`vtopo plan` shows what remains; `vtopo status` shows this apply per database.",
    ]


def _entry(database: str, status, **values) -> JournalEntry:
    return JournalEntry(apply_id="abc", database=database, status=status, steps_planned=2, updated_at="t",
                        applied_by="host pid 1", vtopo_version="1.0", **values)


def test_status_text_and_json():
    entries = {
        "app": _entry("app", ApplyStatus.failed, failed_step="drop view v", error="boom", rolled_back=True),
        "pod": _entry("pod", ApplyStatus.running, steps_done=["create x"]),
        "old": _entry("old", "superseded"),  # a status written by another vtopo version
    }
    status = TopologyStatus("t", "app", ["pod", "app", "old", "new"], entries, "host=h password=(sensitive)")
    text = render_status(status)
    assert "  ✗  app  failed, 0 of 2 step(s) — apply abc at t (vtopo 1.0, host pid 1)" in text
    assert "       failed at drop view v (rolled back): boom" in text
    assert "  …  pod  running (or interrupted: no result was recorded), 1 of 2 step(s)" in text
    assert "  ?  old  superseded, 0 of 2" in text
    assert "  -  new  no apply recorded" in text
    document = json.loads(json.dumps(status_document(status)))
    assert document["databases"]["app"]["status"] == "failed"
    assert document["databases"]["pod"]["status"] == "running"
    assert document["databases"]["new"] is None
    assert [s.value for s in ApplyStatus] == ["not started", "running", "applied", "partial", "failed", "interrupted"]
