"""The apply journal (vtopo._apply_journal on the primary) and `vtopo status`: what the last apply
did per database. The journal is vtopo's bookkeeping: never in a plan, a graph or inspect's
output; failing to write it warns but never fails an apply. (Failed and interrupted applies
are in test_fault_kill.py and test_fault_server_timeout.py.)"""

from __future__ import annotations

import json
import re

from harness import run_vtopo
from integration.helpers import check_run, execute

from .faults import current_plan, step_labels


def test_status_before_and_after_an_apply(topo):
    before = check_run(run_vtopo("status", "-f", str(topo.path)), 0, "vtopo status").stdout
    assert "No apply has been recorded yet" in before, before
    document = json.loads(check_run(run_vtopo("status", "-f", str(topo.path), "--format", "json"), 0, "status json").stdout)
    assert document["kind"] == "vtopo-status" and document["journal"]["present"] is False
    assert document["databases"] == {"app": None, "pod1": None, "pod2": None}

    plan = current_plan(topo)
    topo.setup_apply()
    text = check_run(run_vtopo("status", "-f", str(topo.path)), 0, "vtopo status").stdout
    for key in ("app", "pod1", "pod2"):
        count = len(step_labels(plan, key))
        assert re.search(rf"✓  {key} +applied, {count} of {count} step\(s\) — apply [0-9a-f]{{12}} at ", text), text
    document = json.loads(check_run(run_vtopo("status", "-f", str(topo.path), "--format", "json"), 0, "status json").stdout)
    entries = document["databases"]
    assert {entry["status"] for entry in entries.values()} == {"applied"}
    assert len({entry["apply_id"] for entry in entries.values()}) == 1
    assert all(entry["finished_at"] and entry["vtopo_version"] and entry["error"] is None for entry in entries.values())

    # Bookkeeping, not topology: no plan, live graph or inspect output mentions it.
    topo.assert_converged()
    graph = check_run(run_vtopo("graph", "-f", str(topo.path), "--live"), 0, "graph --live").stdout
    inspected = check_run(run_vtopo("inspect", "-f", str(topo.path)), 0, "inspect").stdout
    assert "_apply_journal" not in graph + inspected


REFUSE_JOURNAL = [
    "create function public.hard_no_journal() returns event_trigger language plpgsql as $$"
    " begin if exists (select 1 from pg_event_trigger_ddl_commands() where object_identity = 'vtopo._apply_journal')"
    " then raise exception 'no journal here'; end if; end $$",
    "create event trigger hard_no_journal on ddl_command_end when tag in ('CREATE TABLE') execute function public.hard_no_journal()",
]


def test_a_journal_that_cannot_be_written_is_a_warning(topo):
    execute(topo.db("app"), *REFUSE_JOURNAL)
    applied = topo.apply_auto()
    assert "verified: a fresh plan is empty" in applied.stderr
    assert "in the apply journal (vtopo._apply_journal in database 'app'): no journal here" in applied.stderr, applied.stderr
    assert "warning: could not record the state of database" in applied.stderr, applied.stderr
    assert "No apply has been recorded yet" in run_vtopo("status", "-f", str(topo.path)).stdout
    topo.assert_converged()
