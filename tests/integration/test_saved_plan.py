"""Saved plans: `apply PLANFILE` runs exactly the plan, and refuses it once the databases changed."""

from __future__ import annotations

import json

import pytest

from .helpers import (
    OUTSIDER,
    READER,
    assert_unchanged,
    can_select,
    changes_of,
    execute,
    relkind,
    schema_usage,
    server_options,
    snapshots,
    table_grantees,
    vector_indexes,
    vtopo,
)


def plan_pending_changes(topo, tmp_path):
    """Change the file (a new exposed collection, a new grantee, a server option) and save the plan."""
    topo.collections["notes"] = {"database": "pod1", "dimension": 4, "expose": {"view": "public.notes", "grant": [READER]}}
    topo.collections["clips"]["expose"]["grant"] = [READER, OUTSIDER]
    topo.data["databases"]["pod1"]["fdw"]["options"] = {"fetch_size": 250}
    topo.write()
    plan_file = tmp_path / "p.json"
    topo.plan("--out", str(plan_file))
    document = json.loads(plan_file.read_text())
    assert ("app", "foreign_server", "vtopo_pod1", "update") in changes_of(document)
    assert ("app", "grant", f"SELECT on public.clips to {OUTSIDER}", "create") in changes_of(document)
    assert ("pod1", "exposure_view", "notes", "create") in changes_of(document)
    return plan_file, document


def drop_pod2_vector_index(topo):
    (index,) = vector_indexes(topo.db("pod2"), "clips")
    execute(topo.db("pod2"), f'drop index vecs."{index["name"]}"')


HAND_CHANGES = {
    "grant revoked on the primary": lambda topo: execute(topo.db("app"), f"revoke select on public.faces from {READER}"),
    "server option altered": lambda topo: execute(topo.db("app"), "alter server vtopo_pod2 options (set fetch_size '5')"),
    "index dropped on a secondary": drop_pod2_vector_index,
    # Where the new exposure view would go: caught as stale instead of failing half-way.
    "table created in vtopo's schema": lambda topo: execute(topo.db("pod1"), "create table vtopo.notes (id int)"),
}


@pytest.mark.parametrize("hand_change", list(HAND_CHANGES))
def test_a_stale_saved_plan_is_refused_and_changes_nothing(applied, tmp_path, hand_change):
    plan_file, _ = plan_pending_changes(applied, tmp_path)
    HAND_CHANGES[hand_change](applied)
    before = snapshots(applied.dbs)

    refused = vtopo("apply", str(plan_file), "-f", str(applied.path), expect=1)
    assert "plan is stale" in refused.stderr and "nothing was applied" in refused.stderr, refused.stderr
    assert_unchanged(before, applied.dbs)
    assert server_options(applied.db("app"), "vtopo_pod1")["fetch_size"] == "1000"
    assert relkind(applied.db("pod1"), "vecs.notes") is None


def test_an_unchanged_saved_plan_applies_exactly(applied, tmp_path):
    plan_file, document = plan_pending_changes(applied, tmp_path)
    app = applied.db("app")

    done = vtopo("apply", str(plan_file), "-f", str(applied.path))
    summary = document["summary"]
    assert (
        f"Apply complete: {summary['create']} created, {summary['update']} updated, "
        f"{summary['replace']} replaced, {summary['delete']} deleted."
    ) in done.stdout
    assert server_options(app, "vtopo_pod1")["fetch_size"] == "250"
    assert table_grantees(app, "public.clips") == {("SELECT", READER), ("SELECT", OUTSIDER)}
    assert schema_usage(app, OUTSIDER, "vtopo")
    assert relkind(applied.db("pod1"), "vecs.notes") == "r" and can_select(app, READER, "public.notes")
    applied.assert_converged()
    # Applying the same file again: the live state moved on, so it is stale now.
    again = vtopo("apply", str(plan_file), "-f", str(applied.path), expect=1)
    assert "plan is stale" in again.stderr
