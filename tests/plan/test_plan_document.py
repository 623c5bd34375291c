"""The plan as a JSON document: round trip, version checks, and never a password."""

from __future__ import annotations

import json

import pytest
from plan_helpers import HUB, PASSWORDS, SHARD_A, SHARD_B, catalog_of, make_plan, topology

from vtopo.catalog.model import ObjectKind
from vtopo.errors import PlanError
from vtopo.plan.document import plan_document, plan_from_document, read_plan, write_plan
from vtopo.plan.model import Plan
from vtopo.catalog.changes import Action
from vtopo.render.steps import render_step

K = ObjectKind
LIVE_PASSWORDS = {SHARD_A: "old-anemone", SHARD_B: "old-barnacle"}


@pytest.fixture(scope="module")
def plan() -> Plan:
    """Creates (a new collection), updates (passwords, a server option), replacements and drops."""
    earlier = topology({
        "collections.drafts": {"database": SHARD_B, "dimension": 5, "expose": {"view": "public.drafts"}},
        "databases.shard_a.fdw.options": {"fetch_size": 50},
    })
    wanted = topology({
        "collections.memos": {"database": SHARD_A, "dimension": 6, "expose": {"view": "public.memos", "grant": ["analyst"]}},
        "collections.papers.index.m": 12,
    })
    live = catalog_of(earlier, LIVE_PASSWORDS)
    return make_plan(wanted, live, row_counts={(SHARD_B, "drafts"): 12})


def round_trip(document: dict) -> dict:
    return json.loads(json.dumps(document))


def test_the_fixture_plan_has_every_kind_of_change(plan):
    assert {change.action for change in plan.changes} == set(Action)
    assert any(change.kind is K.role and change.action is Action.update for change in plan.changes)
    assert any(change.kind is K.user_mapping and change.action is Action.update for change in plan.changes)


def test_the_document_survives_json_and_back(plan):
    document = plan_document(plan)
    restored = plan_from_document(round_trip(document))
    assert plan_document(restored) == document


def test_restored_plan_keeps_changes_steps_statements_and_fingerprints(plan):
    restored = plan_from_document(round_trip(plan_document(plan)))
    assert restored.fingerprints == plan.fingerprints
    assert (restored.topology_name, restored.primary, restored.databases) == (plan.topology_name, plan.primary, plan.databases)
    assert [(c.action, c.subject.key, c.reason) for c in restored.changes] == [(c.action, c.subject.key, c.reason) for c in plan.changes]
    for mine, theirs in zip(restored.changes, plan.changes):
        assert mine.hazards == theirs.hazards
        for side in ("before", "after"):
            a, b = getattr(mine, side), getattr(theirs, side)
            assert (a is None) == (b is None)
            if a is not None:
                assert (a.spec, a.attrs, a.depends_on, a.managed) == (b.spec, b.attrs, b.depends_on, b.managed)
                assert [name for name, _ in a.secrets] == [name for name, _ in b.secrets]
    assert [(s.database, s.phase, s.part, s.concurrently, s.statements) for s in restored.steps] == [
        (s.database, s.phase, s.part, s.concurrently, s.statements) for s in plan.steps
    ]


def test_steps_point_at_the_restored_change_objects(plan):
    restored = plan_from_document(round_trip(plan_document(plan)))
    changes = {id(change) for change in restored.changes}
    assert all(id(step.change) in changes for step in restored.steps)


def test_the_document_describes_itself(plan):
    document = plan_document(plan)
    assert document["kind"] == "vtopo-plan" and document["format_version"] == 1
    assert document["topology"] == {"name": "lattice", "primary": HUB, "databases": [SHARD_A, SHARD_B, HUB]}
    assert document["summary"] == plan.summary() and document["empty"] is False
    assert {db: info["fingerprint"] for db, info in document["databases"].items()} == plan.fingerprints


@pytest.mark.parametrize(
    "change, message",
    [
        ({"kind": "terraform-plan"}, "not a vtopo plan file"),
        ({"kind": None}, "not a vtopo plan file"),
        ({"format_version": 2}, "format 2 is not supported"),
        ({"format_version": "1"}, "is not supported"),
    ],
    ids=["other-kind", "no-kind", "newer-version", "string-version"],
)
def test_a_foreign_or_newer_document_is_refused(plan, change, message):
    document = {**plan_document(plan), **change}
    with pytest.raises(PlanError, match=message):
        plan_from_document(document)


def test_a_saved_plan_file_round_trips(plan, tmp_path):
    path = tmp_path / "saved.plan.json"
    write_plan(plan, path)
    assert plan_document(read_plan(path)) == plan_document(plan)


@pytest.mark.parametrize(
    "content, message",
    [("{ not json", "cannot read the plan file"), ('{"kind": "vtopo-plan", "format_version": 1}', "damaged")],
    ids=["not-json", "truncated"],
)
def test_a_damaged_plan_file_is_a_plan_error(tmp_path, content, message):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(PlanError, match=message):
        read_plan(path)


def test_a_missing_plan_file_is_a_plan_error(tmp_path):
    with pytest.raises(PlanError, match="no such plan file"):
        read_plan(tmp_path / "absent.json")


# --- secrets ------------------------------------------------------------------


def every_password() -> list[str]:
    return [*PASSWORDS.values(), *LIVE_PASSWORDS.values()]


def test_the_document_never_contains_a_password(plan, tmp_path):
    text = json.dumps(plan_document(plan))
    path = tmp_path / "saved.json"
    write_plan(plan, path)
    for password in every_password():
        assert password not in text
        assert password not in path.read_text()
        assert json.dumps(password)[1:-1] not in text  # nor its JSON-escaped form
    assert "(sensitive)" in text


def test_the_passwords_do_reach_the_executed_sql(plan):
    """Guards the test above: the plan really carries password-setting statements."""
    revealed = "\n".join(
        statement.sql for step in plan.steps if step.change.kind in (K.role, K.user_mapping) for statement in render_step(step, reveal=True)
    )
    assert "'anemone-31''; --'" in revealed and "'barnacle-77'" in revealed


def test_restored_objects_know_which_secrets_they_need_but_not_their_values(plan):
    restored = plan_from_document(round_trip(plan_document(plan)))
    role = next(c for c in restored.changes if c.kind is K.role and c.action is Action.update)
    assert role.after.secrets == (("password", None),)

