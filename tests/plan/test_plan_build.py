"""build_plan / order_steps: phases, order within a database, concurrent indexes, hazards."""

from __future__ import annotations

import pytest
from plan_helpers import HUB, SHARD_A, SHARD_B, catalog_of, make_plan, only_step, steps_for, subject, topology

from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.plan.build import PHASE_ORDER
from vtopo.plan.model import Part, Phase, Plan
from vtopo.catalog.changes import Action, HazardKind

K = ObjectKind

# The live state for "drops and creates": an earlier version with a collection
# (drafts, on shard_b, exposed on the hub) that the current topology removed,
# while the current topology adds a collection (memos, on shard_a, exposed).
EARLIER = {
    "collections.drafts": {"database": SHARD_B, "dimension": 5, "metadata": {"author": {"type": "text", "index": True}},
                           "expose": {"view": "public.drafts", "grant": ["analyst"]}},
}
CURRENT = {"collections.memos": {"database": SHARD_A, "dimension": 6, "expose": {"view": "public.memos"}}}


@pytest.fixture(scope="module")
def fresh_plan() -> Plan:
    return make_plan(topology(), Catalog())


@pytest.fixture(scope="module")
def mixed_plan() -> Plan:
    return make_plan(topology(CURRENT), catalog_of(topology(EARLIER)))


def positions(plan: Plan) -> dict:
    return {(step.change.subject.key, step.part): index for index, step in enumerate(plan.steps)}


# --- phases -----------------------------------------------------------------


def test_the_database_order_is_secondaries_then_the_primary(fresh_plan):
    assert fresh_plan.databases == [SHARD_A, SHARD_B, HUB]


def test_phases_run_primary_drops_then_secondaries_then_primary(mixed_plan):
    phases = [step.phase for step in mixed_plan.steps]
    assert phases == sorted(phases, key=PHASE_ORDER.get)
    assert phases[0] is Phase.primary_drops and phases[-1] is Phase.primary
    assert {step.database for step in mixed_plan.steps if step.phase is not Phase.secondaries} == {HUB}
    assert {step.database for step in mixed_plan.steps if step.phase is Phase.secondaries} == {SHARD_A, SHARD_B}


def test_the_primary_drops_what_reads_a_secondary_before_the_secondary_changes(mixed_plan):
    drops = [(step.change.kind, step.change.name) for step in mixed_plan.steps if step.phase is Phase.primary_drops]
    assert (K.exposed_view, "public.drafts") in drops and (K.foreign_table, "drafts") in drops
    assert all(step.part is Part.drop for step in mixed_plan.steps if step.phase is Phase.primary_drops)


def test_secondaries_keep_the_topology_order(fresh_plan):
    databases = [step.database for step in fresh_plan.steps if step.phase is Phase.secondaries]
    assert databases == sorted(databases, key=[SHARD_A, SHARD_B].index)


def test_a_fresh_topology_creates_every_desired_object_once(fresh_plan):
    created = [step.change.subject.key for step in fresh_plan.steps if step.part is Part.create]
    assert len(created) == len(set(created)) == len(catalog_of(topology()))
    assert {step.phase for step in fresh_plan.steps} == {Phase.secondaries, Phase.primary}


# --- order within a database ------------------------------------------------


def test_creates_come_after_their_dependencies(fresh_plan):
    index = positions(fresh_plan)
    for step in fresh_plan.steps:
        if step.part is not Part.create:
            continue
        for dependency in subject(step).depends_on:
            if (dependency, Part.create) in index:
                assert index[(dependency, Part.create)] < index[(subject(step).key, Part.create)], (subject(step).key, dependency)


def test_drops_come_in_reverse_dependency_order_before_creates(mixed_plan):
    index = positions(mixed_plan)
    drops = [step for step in mixed_plan.steps if step.part is Part.drop]
    assert {step.database for step in drops} == {HUB, SHARD_B}
    for step in drops:
        for dependency in subject(step).depends_on:
            if (dependency, Part.drop) in index:
                assert index[(subject(step).key, Part.drop)] < index[(dependency, Part.drop)], (subject(step).key, dependency)
    for database in (SHARD_A, SHARD_B, HUB):
        parts = [step.part for step in mixed_plan.steps if step.database == database and step.phase is not Phase.primary_drops]
        first_other = next((i for i, part in enumerate(parts) if part is not Part.drop), len(parts))
        assert Part.drop not in parts[first_other:], database


def test_the_dropped_collection_goes_after_its_indexes_and_view(mixed_plan):
    order = [(step.change.kind, step.change.name) for step in mixed_plan.steps if step.database == SHARD_B and step.part is Part.drop]
    assert order.index((K.exposure_view, "drafts")) < order.index((K.collection, "drafts"))
    assert order.index((K.vector_index, "drafts")) < order.index((K.collection, "drafts"))
    assert order.index((K.metadata_index, "drafts.author")) < order.index((K.collection, "drafts"))


def test_indexes_of_a_dropped_collection_are_dropped_in_its_transaction(mixed_plan):
    step = only_step(mixed_plan, key_of(SHARD_B, K.vector_index, "drafts"))
    assert not step.concurrently
    assert all(statement.transactional for statement in step.statements)


# --- indexes ----------------------------------------------------------------


def test_an_index_of_a_collection_created_in_the_same_plan_is_built_in_the_transaction(fresh_plan):
    step = only_step(fresh_plan, key_of(SHARD_A, K.vector_index, "papers"), Part.create)
    [statement] = step.statements
    assert not step.concurrently
    assert statement.transactional and statement.role == "ddl"
    assert statement.sql.startswith("CREATE INDEX \"ix_vector_cosine_ops_hnsw_m8_efc32_")


@pytest.mark.parametrize("collection, database", [("papers", SHARD_A), ("notes", HUB)])
def test_a_vector_index_on_an_existing_collection_is_built_concurrently(collection, database):
    live = catalog_of(topology({f"collections.{collection}.index": {"method": "none"}}))
    plan = make_plan(topology(), live)
    # (an index also brings its iterative-scan default for the reader role: not this test's subject)
    [change] = [c for c in plan.changes if c.kind is K.vector_index]
    assert change.action is Action.create
    step = only_step(plan, change.subject.key, Part.create)
    [statement] = step.statements
    assert step.concurrently
    assert not statement.transactional
    assert statement.role == "index"
    assert statement.index_name == change.after.attrs_dict["index_name"]
    assert statement.sql.startswith(f'CREATE INDEX CONCURRENTLY "{statement.index_name}" ON "vecs"."{collection}"')


def test_a_metadata_index_on_an_existing_collection_is_built_concurrently_then_commented():
    live = catalog_of(topology({"collections.papers.metadata.venue.index": False}))
    plan = make_plan(topology(), live)
    step = only_step(plan, key_of(SHARD_A, K.metadata_index, "papers.venue"))
    build, comment = step.statements
    assert (build.role, build.transactional, build.index_name) == ("index", False, "vtopo_md_papers_venue")
    assert comment.sql.startswith("COMMENT ON INDEX") and comment.role == "ddl"


def test_changed_index_parameters_replace_the_index_online():
    live = catalog_of(topology())
    plan = make_plan(topology({"collections.papers.index.m": 16}), live)
    old_name = live.get(key_of(SHARD_A, K.vector_index, "papers")).attrs_dict["index_name"]
    step = only_step(plan, key_of(SHARD_A, K.vector_index, "papers"))
    assert step.part is Part.online_replace and step.phase is Phase.secondaries and step.concurrently
    build, drop = step.statements
    new_name = build.index_name
    assert new_name != old_name and new_name.startswith("ix_vector_cosine_ops_hnsw_m16_efc32_")
    assert build.sql.startswith(f'CREATE INDEX CONCURRENTLY "{new_name}"')
    assert (build.role, build.transactional) == ("index", False)
    assert drop.sql == f'DROP INDEX CONCURRENTLY IF EXISTS "vecs"."{old_name}";'
    assert (drop.role, drop.transactional, drop.index_name) == ("ddl", False, None)


@pytest.mark.parametrize(
    "kind, name, collection",
    [(K.vector_index, "papers", "papers"), (K.metadata_index, "papers.*", "papers"), (K.metadata_index, "papers.venue", "papers")],
)
def test_an_invalid_index_is_rebuilt_online_under_another_name(kind, name, collection):
    live = catalog_of(topology())
    key = key_of(SHARD_A, kind, name)
    broken = live.get(key).with_spec(valid=False)
    live.objects[key] = broken
    step = only_step(make_plan(topology(), live), key)
    build, *_, drop = step.statements
    old_name = broken.attrs_dict["index_name"]
    assert step.part is Part.online_replace
    assert build.index_name != old_name
    assert old_name in drop.sql and drop.sql.startswith("DROP INDEX CONCURRENTLY")


def test_an_online_replacement_name_stays_within_63_bytes():
    """A bounded metadata index name plus a generation suffix must still be a distinct, valid identifier."""
    long_field = "f" * 60
    wanted = topology({"collections.papers.metadata": {long_field: {"type": "text", "index": True}}})
    live = catalog_of(wanted)
    key = key_of(SHARD_A, K.metadata_index, f"papers.{long_field}")
    live.objects[key] = live.get(key).with_spec(valid=False)
    old_name = live.get(key).attrs_dict["index_name"]
    build = only_step(make_plan(wanted, live), key).statements[0]
    assert len(old_name.encode()) == 63
    assert len(build.index_name.encode()) <= 63
    assert build.index_name != old_name


def test_indexes_of_a_replaced_collection_are_rebuilt_inside_its_transaction():
    plan = make_plan(topology({"collections.papers.dimension": 7}), catalog_of(topology()))
    key = key_of(SHARD_A, K.vector_index, "papers")
    drop, create = steps_for(plan, key)
    assert (drop.part, create.part) == (Part.drop, Part.create)
    assert not drop.concurrently and not create.concurrently
    assert all(statement.transactional for statement in drop.statements + create.statements)
    index = positions(plan)
    collection = key_of(SHARD_A, K.collection, "papers")
    assert index[(key, Part.drop)] < index[(collection, Part.drop)] < index[(collection, Part.create)] < index[(key, Part.create)]


# --- foreign tables ---------------------------------------------------------


def test_a_created_foreign_table_gets_pinned_statistics_right_after(fresh_plan):
    for name in ("papers", "images"):
        key = key_of(HUB, K.foreign_table, name)
        index = positions(fresh_plan)
        assert index[(key, Part.analyze)] == index[(key, Part.create)] + 1
        analyze = only_step(fresh_plan, key, Part.analyze)
        pin, *clears = analyze.statements
        assert pin.sql.startswith(f"SELECT pg_catalog.pg_restore_relation_stats('schemaname', 'vtopo', 'relname', '{name}', 'reltuples', ")
        columns = [column for column, _ in fresh_plan_object(fresh_plan, key).spec_dict["columns"]]
        assert [s.sql for s in clears] == [f"SELECT pg_catalog.pg_clear_attribute_stats('vtopo', '{name}', '{column}', false);" for column in columns]
        assert {(s.role, s.transactional) for s in analyze.statements} == {("analyze", False)}


def fresh_plan_object(plan, key):
    return next(change.after for change in plan.changes if change.subject.key == key)


def test_every_step_has_rendered_statements(fresh_plan, mixed_plan):
    for step in fresh_plan.steps + mixed_plan.steps:
        assert step.statements, (step.change.subject.key, step.part)


# --- hazards ----------------------------------------------------------------


def hazards_of(plan: Plan, key) -> list:
    [change] = [change for change in plan.changes if change.subject.key == key]
    return change.hazards


def test_deleting_a_collection_with_rows_is_a_blocking_hazard():
    plan = make_plan(topology(CURRENT), catalog_of(topology(EARLIER)), row_counts={(SHARD_B, "drafts"): 1234})
    [hazard] = hazards_of(plan, key_of(SHARD_B, K.collection, "drafts"))
    assert hazard.kind is HazardKind.deletes_data
    assert hazard.blocking and not hazard.prevented
    assert "1234 rows" in hazard.message and "drafts" in hazard.message
    assert [(change.name, h.kind) for change, h in plan.blocking_hazards] == [("drafts", HazardKind.deletes_data)]


def test_deleting_an_empty_collection_is_not_blocking():
    plan = make_plan(topology(CURRENT), catalog_of(topology(EARLIER)), row_counts={(SHARD_B, "drafts"): 0})
    [hazard] = hazards_of(plan, key_of(SHARD_B, K.collection, "drafts"))
    assert hazard.kind is HazardKind.deletes_data and not hazard.blocking
    assert plan.blocking_hazards == []


def test_prevent_destroy_marks_a_dimension_change_as_prevented():
    wanted = topology({"collections.papers.dimension": 9, "collections.papers.prevent_destroy": True})
    plan = make_plan(wanted, catalog_of(topology()), row_counts={(SHARD_A, "papers"): 0})
    [hazard] = hazards_of(plan, key_of(SHARD_A, K.collection, "papers"))
    assert hazard.kind is HazardKind.deletes_data
    assert hazard.prevented and hazard.blocking  # blocking even though empty
    assert "dimension: 3 → 9" in hazard.message


def test_prevent_destroy_applies_to_deletes_too():
    plan = make_plan(topology(CURRENT), catalog_of(topology(EARLIER)), row_counts={(SHARD_B, "drafts"): 5}, prevent_destroy={"drafts"})
    [hazard] = hazards_of(plan, key_of(SHARD_B, K.collection, "drafts"))
    assert hazard.prevented and hazard.blocking


def test_replacing_a_vector_index_is_a_rebuilds_index_hazard():
    plan = make_plan(topology({"collections.images.index.lists": 50}), catalog_of(topology()))
    [hazard] = hazards_of(plan, key_of(SHARD_B, K.vector_index, "images"))
    assert hazard.kind is HazardKind.rebuilds_index and not hazard.blocking


def test_changing_a_server_option_warns_about_closed_connections():
    plan = make_plan(topology({"databases.shard_b.fdw.options": {"fetch_size": 4000}}), catalog_of(topology()))
    [hazard] = hazards_of(plan, key_of(HUB, K.foreign_server, "vtopo_shard_b"))
    assert hazard.kind is HazardKind.closes_connections
    step = only_step(plan, key_of(HUB, K.foreign_server, "vtopo_shard_b"))
    assert step.part is Part.update and step.phase is Phase.primary
    assert step.statements[0].sql == 'ALTER SERVER "vtopo_shard_b" OPTIONS (SET "fetch_size" \'4000\');'


def test_fingerprints_cover_every_database_from_the_live_catalog(mixed_plan):
    assert set(mixed_plan.fingerprints) == {SHARD_A, SHARD_B, HUB}
    assert len(set(mixed_plan.fingerprints.values())) == 3


def test_an_unchanged_topology_makes_an_empty_plan():
    plan = make_plan(topology(), catalog_of(topology()))
    assert plan.is_empty and plan.steps == []
