"""catalog.desired / catalog.model: what a topology asks for, and the model's invariants."""

from __future__ import annotations

import textwrap

import pytest

from vtopo import kinds
from vtopo.desired.build import build_desired
from vtopo.spec.resolve import FdwTarget
from vtopo.catalog.model import Catalog, ObjectKind, key_of
from vtopo.spec import Sensitive, parse_topology

K = ObjectKind

TOPOLOGY = textwrap.dedent(
    """
    version: 1
    name: tidal
    databases:
      core:
        primary: true
        dsn: postgresql://core.invalid/core
      reef:
        dsn: postgresql://reef.invalid:6543/reefdb
        fdw:
          user: reef_reader
          password: ${env:TIDAL_REEF_PASSWORD}
          options: {fetch_size: 250, fdw_tuple_cost: 0.05}
    collections:
      corals:
        database: reef
        dimension: 6
        type: halfvec
        measure: inner_product
        index: {method: ivfflat, lists: 40}
        metadata:
          depth: {type: numeric, index: true}
          species: {type: text}
        search: {probes: 7}
        expose: {view: public.corals, grant: [marine_app]}
      tides:
        database: core
        dimension: 2
        measure: l2
        expose: {view: public.tides}
    """
)
REEF_PASSWORD = "kelp-forest-19"


@pytest.fixture(scope="module")
def desired() -> Catalog:
    target = FdwTarget(host="reef.internal", port="6543", dbname="reefdb", user="reef_reader", password=Sensitive(REEF_PASSWORD))
    return build_desired(parse_topology(TOPOLOGY, "tidal.yaml"), {"reef": target})


def test_dependencies_point_to_earlier_kinds_in_the_same_database(desired):
    for obj in desired:
        for database, kind, _ in obj.depends_on:
            assert database == obj.database, obj.key
            assert kind.rank < obj.kind.rank, (obj.key, kind)


def test_dependencies_that_vtopo_creates_are_in_the_catalog(desired):
    for obj in desired:
        for dependency in obj.depends_on:
            assert desired.get(dependency) is not None, (obj.key, dependency)


def test_the_reader_role_and_the_user_mapping_carry_the_fdw_password(desired):
    role = desired.get(key_of("reef", K.role, "reef_reader"))
    mapping = desired.get(key_of("core", K.user_mapping, "vtopo_reef:public"))
    assert role.secrets_dict["password"].reveal() == REEF_PASSWORD
    assert mapping.secrets_dict["password"].reveal() == REEF_PASSWORD
    assert mapping.spec_dict == {"server": "vtopo_reef", "user": "reef_reader"}


def test_no_secret_is_part_of_any_spec_or_attrs(desired):
    for obj in desired:
        assert REEF_PASSWORD not in obj.spec + obj.attrs, obj.key


def test_the_foreign_server_ships_vector_operators_and_carries_the_tuned_options(desired):
    server = desired.get(key_of("core", K.foreign_server, "vtopo_reef"))
    assert server.spec_dict == {
        "remote_database": "reef",
        "options": {
            "extensions": "vector",
            "host": "reef.internal",
            "port": "6543",
            "dbname": "reefdb",
            "fetch_size": "250",
            "async_capable": "true",
            "use_remote_estimate": "false",
            "fdw_tuple_cost": "0.05",
        },
    }


def test_index_and_search_settings_follow_the_collection(desired):
    index = desired.get(key_of("reef", K.vector_index, "corals"))
    assert index.spec_dict == {
        "collection": "corals", "method": "ivfflat", "opclass": "halfvec_ip_ops", "params": {"lists": 40}, "valid": True,
    }
    assert desired.get(key_of("reef", K.role_setting, "reef_reader:ivfflat.probes")).spec_dict["value"] == "7"
    assert desired.get(key_of("reef", K.metadata_index, "corals.depth")) is not None
    assert desired.get(key_of("reef", K.metadata_index, "corals.species")) is None  # not index: true


def test_the_view_columns_promote_metadata_fields(desired):
    expected = [["id", "character varying"], ["embedding", "halfvec(6)"], ["metadata", "jsonb"], ["depth", "numeric"], ["species", "text"]]
    assert desired.get(key_of("reef", K.exposure_view, "corals")).spec_dict["columns"] == expected
    assert desired.get(key_of("core", K.foreign_table, "corals")).spec_dict["columns"] == expected
    assert desired.get(key_of("core", K.exposed_view, "public.corals")).spec_dict["source"] == ["vtopo", "corals"]
    assert desired.get(key_of("core", K.exposed_view, "public.tides")).spec_dict["source"] == ["vecs", "tides"]


def test_offline_desired_state_has_no_password_and_no_address():
    catalog = build_desired(parse_topology(TOPOLOGY, "tidal.yaml"))
    assert catalog.get(key_of("reef", K.role, "reef_reader")).secrets_dict == {"password": None}
    options = catalog.get(key_of("core", K.foreign_server, "vtopo_reef")).spec_dict["options"]
    assert not {"host", "port", "dbname"} & set(options)


def test_a_catalog_refuses_two_objects_with_one_identity():
    catalog = Catalog()
    catalog.add(kinds.schema.new("core", "vecs"))
    with pytest.raises(ValueError, match="duplicate"):
        catalog.add(kinds.schema.new("core", "vecs"))


def test_specs_compare_independently_of_key_order():
    first = kinds.foreign_server.new("core", "s", remote_database="reef", options={"a": "1", "b": "2"})
    second = kinds.foreign_server.new("core", "s", remote_database="reef", options={"b": "2", "a": "1"})
    assert first.spec == second.spec
