"""diff_catalogs: desired vs live catalogs built from small inline topologies."""

from __future__ import annotations

import pytest
from diff_helpers import (
    HUB,
    READER,
    SERVER,
    SHARD,
    by_key,
    desired,
    get,
    live,
    replaced,
    topology,
)

from vtopo import kinds
from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.diff.engine import diff_catalogs
from vtopo.errors import PlanError
from vtopo.catalog.changes import Action

K = ObjectKind


def test_identical_catalogs_have_no_changes():
    assert diff_catalogs(desired(), live()) == []


def test_an_empty_database_gets_every_object_created():
    wanted = desired()
    changes = diff_catalogs(wanted, Catalog())
    assert {change.action for change in changes} == {Action.create}
    assert {change.after.key for change in changes} == set(wanted.objects)


@pytest.mark.parametrize(
    "database, kind, name",
    [
        (SHARD, K.metadata_index, "papers.venue"),
        (SHARD, K.role_setting, f"{READER}:hnsw.ef_search"),
        (HUB, K.grant, "SELECT on public.papers to analyst"),
        (HUB, K.foreign_table, "papers"),
    ],
    ids=lambda value: getattr(value, "value", value),
)
def test_a_missing_object_is_created(database, kind, name):
    wanted = desired()
    current = replaced(live(), removed=(key_of(database, kind, name),))
    [change] = diff_catalogs(wanted, current)
    assert change.action is Action.create
    assert change.before is None and change.after == get(wanted, database, kind, name)


STALE_INDEX = kinds.vector_index.new(
    SHARD, "drafts", method="hnsw", opclass="vector_cosine_ops",
    params={"m": 16, "ef_construction": 64}, index_name="ix_vector_cosine_ops_hnsw_m16_efc64_0a1b2c3",
)


@pytest.mark.parametrize(
    "extra",
    [
        kinds.collection.new(SHARD, "drafts", dimension=3, vector_type="vector"),
        STALE_INDEX,
        kinds.role_setting.new(SHARD, READER, "hnsw.max_scan_tuples", "5000"),
        kinds.grant.new(HUB, "SELECT", key_of(HUB, K.exposed_view, "public.notes"), target=["public", "notes"], role_name="analyst"),
        kinds.role.new(SHARD, "vtopo_fdw_retired", login=True, purpose="reader"),
    ],
    ids=lambda obj: obj.kind.value,
)
def test_an_extra_managed_object_is_deleted(extra):
    [change] = diff_catalogs(desired(), replaced(live(), extra))
    assert change.action is Action.delete
    assert change.before == extra and change.after is None
    assert change.reason == "not in the topology"


@pytest.mark.parametrize(
    "extra",
    [
        kinds.extension.new(SHARD, "pg_trgm"),
        kinds.schema.new(HUB, "reporting"),
        kinds.role.new(HUB, "bi_team", login=None, purpose="grantee"),
        kinds.role.new(SHARD, "someone_else", login=True, purpose="unmarked", managed=False),
        kinds.exposed_view.new(HUB, "public.legacy", collection_name="", source=["", ""], columns=[], fields={}, managed=False),
    ],
    ids=["extension", "schema", "grantee-role", "unmarked-role", "unmanaged-view"],
)
def test_retained_and_unmanaged_extra_objects_are_left_alone(extra):
    assert diff_catalogs(desired(), replaced(live(), extra)) == []


def test_an_unmanaged_object_at_a_desired_name_is_refused():
    current = live()
    view = get(current, HUB, K.exposed_view, "public.papers").unmanaged()
    with pytest.raises(PlanError) as raised:
        diff_catalogs(desired(), replaced(current, view))
    message = str(raised.value)
    assert "'hub'" in message and "exposed_view public.papers" in message
    assert "not created by vtopo" in message


def test_every_conflict_is_reported_at_once():
    current = live()
    conflicts = [
        get(current, HUB, K.foreign_server, SERVER).unmanaged(),
        get(current, SHARD, K.role, READER).unmanaged(),  # a login role someone else made
        get(current, SHARD, K.exposure_view, "papers").unmanaged(),
    ]
    with pytest.raises(PlanError) as raised:
        diff_catalogs(desired(), replaced(current, *conflicts))
    lines = str(raised.value).splitlines()
    assert len(lines) == 3
    assert any("'hub'" in line and f"foreign_server {SERVER}" in line for line in lines)
    assert any("'shard_a'" in line and f"role {READER}" in line for line in lines)
    assert any("'shard_a'" in line and "exposure_view papers" in line for line in lines)


@pytest.mark.parametrize(
    "database, kind, name",
    [(SHARD, K.collection, "papers"), (SHARD, K.vector_index, "papers"), (HUB, K.role, "analyst")],
    ids=["collection", "vector_index", "grantee-role"],
)
def test_an_adoptable_unmanaged_object_is_taken_over_without_changes(database, kind, name):
    current = live()
    adopted = get(current, database, kind, name).unmanaged()
    assert diff_catalogs(desired(), replaced(current, adopted)) == []


def test_a_dimension_change_replaces_the_collection():
    changes = by_key(diff_catalogs(desired(topology({"collections.papers.dimension": 5})), live()))
    change = changes[key_of(SHARD, K.collection, "papers")]
    assert change.action is Action.replace
    assert change.reason == "dimension: 3 → 5"


def test_a_vector_type_change_replaces_the_collection():
    changes = by_key(diff_catalogs(desired(topology({"collections.papers.type": "halfvec"})), live()))
    assert changes[key_of(SHARD, K.collection, "papers")].reason == "type: vector → halfvec"


@pytest.mark.parametrize(
    "index, reason",
    [
        ({"method": "hnsw", "m": 16, "ef_construction": 32}, "params.m: 8 → 16"),
        ({"method": "hnsw", "m": 8, "ef_construction": 100}, "params.ef_construction: 32 → 100"),
    ],
    ids=["m", "ef_construction"],
)
def test_a_vector_index_parameter_change_replaces_the_index(index, reason):
    changes = diff_catalogs(desired(topology({"collections.papers.index": index})), live())
    [change] = changes
    assert change.subject.key == key_of(SHARD, K.vector_index, "papers")
    assert change.action is Action.replace
    assert change.reason == reason


def test_a_measure_change_replaces_the_index_with_another_operator_class():
    changes = by_key(diff_catalogs(desired(topology({"collections.papers.measure": "l2"})), live()))
    change = changes.pop(key_of(SHARD, K.vector_index, "papers"))
    assert change.action is Action.replace
    assert change.reason == "opclass: vector_cosine_ops → vector_l2_ops"
    # and the search function, whose operator is the measure's
    [function] = changes.values()
    assert (function.kind, function.action, function.reason) == (K.search_function, Action.replace, "measure: cosine → l2")


def test_an_invalid_live_index_is_replaced():
    current = live()
    broken = get(current, SHARD, K.vector_index, "papers").with_spec(valid=False)
    [change] = diff_catalogs(desired(), replaced(current, broken))
    assert (change.action, change.reason) == (Action.replace, "valid: False → True")


@pytest.mark.parametrize(
    "fdw_change, reason",
    [
        ({"databases.shard_a.fdw.options.fetch_size": 1000}, "options.fetch_size: 5 → 1000"),
        ({"databases.shard_a.fdw.options.fdw_tuple_cost": 0.2}, "options.fdw_tuple_cost: (unset) → 0.2"),
        ({"databases.shard_a.fdw.sslmode": "require"}, "options.sslmode: (unset) → require"),
    ],
    ids=["set", "add-cost", "add-sslmode"],
)
def test_a_server_option_change_updates_the_server_naming_only_that_option(fdw_change, reason):
    [change] = diff_catalogs(desired(topology(fdw_change)), live())
    assert change.subject.key == key_of(HUB, K.foreign_server, SERVER)
    assert change.action is Action.update
    assert change.reason == reason


def test_a_removed_server_option_is_named_as_unset():
    current = live()
    server = get(current, HUB, K.foreign_server, SERVER)
    extra = server.with_spec(options={**server.spec_dict["options"], "fdw_startup_cost": "100"})
    [change] = diff_catalogs(desired(), replaced(current, extra))
    assert change.reason == "options.fdw_startup_cost: 100 → (unset)"


def test_a_search_setting_change_updates_the_role_setting():
    [change] = diff_catalogs(desired(topology({"collections.papers.search.ef_search": 200})), live())
    assert change.subject.key == key_of(SHARD, K.role_setting, f"{READER}:hnsw.ef_search")
    assert (change.action, change.reason) == (Action.update, "value: 60 → 200")


def test_replacing_a_collection_cascades_to_everything_built_on_it():
    changes = by_key(diff_catalogs(desired(topology({"collections.papers.dimension": 5})), live()))
    actions = {key: change.action for key, change in changes.items()}
    cascaded = {
        key_of(SHARD, K.vector_index, "papers"): "collection papers",
        key_of(SHARD, K.metadata_index, "papers.*"): "collection papers",
        key_of(SHARD, K.metadata_index, "papers.venue"): "collection papers",
        key_of(SHARD, K.grant, f"SELECT on vtopo.papers to {READER}"): "exposure_view papers",
        key_of(HUB, K.grant, "SELECT on vtopo.papers to analyst"): "foreign_table papers",
        key_of(HUB, K.grant, "SELECT on public.papers to analyst"): "exposed_view public.papers",
    }
    for key, cause in cascaded.items():
        assert actions[key] is Action.replace, key
        assert changes[key].reason == f"re-created: depends on {cause}"
    # these differ by themselves (their columns carry the dimension)
    for key in [key_of(SHARD, K.exposure_view, "papers"), key_of(HUB, K.foreign_table, "papers"), key_of(HUB, K.exposed_view, "public.papers"),
                key_of(HUB, K.search_function, "public.match_papers")]:
        assert actions[key] is Action.replace
        assert "columns" in changes[key].reason
    assert set(actions) == {key_of(SHARD, K.collection, "papers"), *cascaded, key_of(SHARD, K.exposure_view, "papers"),
                            key_of(HUB, K.foreign_table, "papers"), key_of(HUB, K.exposed_view, "public.papers"),
                            key_of(HUB, K.search_function, "public.match_papers")}


def test_a_cascade_does_not_resurrect_objects_that_are_no_longer_wanted():
    """The grant on a replaced view is dropped, not re-created, when the topology dropped its grantee."""
    changes = by_key(diff_catalogs(desired(topology({"collections.papers.dimension": 5, "collections.papers.expose.grant": []})), live()))
    grant = changes[key_of(HUB, K.grant, "SELECT on public.papers to analyst")]
    assert grant.action is Action.delete


def test_removing_a_collection_deletes_its_objects_in_every_database():
    changes = diff_catalogs(desired(topology({"collections.papers": None})), live())
    deleted = {change.subject.key for change in changes if change.action is Action.delete}
    assert {
        key_of(SHARD, K.collection, "papers"),
        key_of(SHARD, K.vector_index, "papers"),
        key_of(SHARD, K.exposure_view, "papers"),
        key_of(SHARD, K.role, READER),
        key_of(HUB, K.foreign_server, SERVER),
        key_of(HUB, K.user_mapping, f"{SERVER}:public"),
        key_of(HUB, K.foreign_table, "papers"),
        key_of(HUB, K.exposed_view, "public.papers"),
    } <= deleted
    kept = {key_of(SHARD, K.schema, "vecs"), key_of(SHARD, K.extension, "vector"), key_of(HUB, K.role, "analyst")}
    assert not kept & {change.subject.key for change in changes}


def test_changes_are_sorted_by_database_then_dependency_rank():
    changes = diff_catalogs(desired(), Catalog())
    order = [(change.database, change.kind.rank, change.name) for change in changes]
    assert order == sorted(order)
