"""catalog.fingerprint: the digest a saved plan carries of the live state it was made from."""

from __future__ import annotations

import random

import pytest

from vtopo import kinds
from vtopo.catalog.columns import view_columns
from vtopo.catalog.model import Catalog, ObjectKind, fingerprint, key_of
from vtopo.spec.secrets import Sensitive

K = ObjectKind
DB = "shard_q"


def sample_objects() -> list:
    """One database's worth of objects, built with the catalog constructors."""
    fields = {"band": "text"}
    columns = view_columns("vector", 3, fields)
    view = kinds.exposure_view.new(DB, "quasars", columns=columns, fields=fields)
    return [
        kinds.extension.new(DB, "vector", version="0.8.0"),
        kinds.schema.new(DB, "vecs"),
        kinds.schema.new(DB, "vtopo"),
        kinds.role.new(DB, "vtopo_fdw_shard_q", login=True, purpose="reader", password=Sensitive("pw-one")),
        kinds.role_setting.new(DB, "vtopo_fdw_shard_q", "hnsw.ef_search", "80"),
        kinds.collection.new(DB, "quasars", dimension=3, vector_type="vector", rows=10),
        kinds.vector_index.new(
            DB, "quasars", method="hnsw", opclass="vector_cosine_ops", params={"m": 16, "ef_construction": 64},
            index_name="ix_vector_cosine_ops_hnsw_m16_efc64_abcdef0",
        ),
        kinds.metadata_index.new(DB, "quasars", "band", field_type="text", index_name="vtopo_md_quasars_band"),
        view,
        kinds.grant.new(DB, "SELECT", view.key, target=["vtopo", "quasars"], role_name="vtopo_fdw_shard_q"),
    ]


def test_fingerprint_is_a_sha256_hex_digest():
    assert len(fingerprint(sample_objects())) == 64


@pytest.mark.parametrize("seed", range(5))
def test_fingerprint_does_not_depend_on_order(seed):
    objects = sample_objects()
    shuffled = list(objects)
    random.Random(seed).shuffle(shuffled)
    assert fingerprint(shuffled) == fingerprint(objects)


def test_fingerprint_of_a_catalog_equals_fingerprint_of_its_objects():
    catalog = Catalog()
    for obj in reversed(sample_objects()):
        catalog.add(obj)
    assert fingerprint(catalog.in_database(DB)) == fingerprint(sample_objects())


def changed(objects: list, kind: ObjectKind, name: str, change) -> list:
    return [change(obj) if obj.key == key_of(DB, kind, name) else obj for obj in objects]


@pytest.mark.parametrize(
    "kind, name, change",
    [
        (K.collection, "quasars", lambda obj: obj.with_spec(dimension=4)),
        (K.vector_index, "quasars", lambda obj: obj.with_spec(params={"m": 32, "ef_construction": 64})),
        (K.vector_index, "quasars", lambda obj: obj.with_spec(valid=False)),
        (K.role_setting, "vtopo_fdw_shard_q:hnsw.ef_search", lambda obj: obj.with_spec(value="100")),
    ],
    ids=["dimension", "index-params", "index-validity", "setting-value"],
)
def test_fingerprint_changes_when_a_spec_changes(kind, name, change):
    objects = sample_objects()
    assert fingerprint(changed(objects, kind, name, change)) != fingerprint(objects)


def test_fingerprint_changes_when_an_object_appears_or_disappears():
    objects = sample_objects()
    assert fingerprint(objects[:-1]) != fingerprint(objects)
    assert fingerprint([*objects, kinds.schema.new(DB, "scratch")]) != fingerprint(objects)


def test_fingerprint_ignores_attrs_and_secrets():
    """Row estimates drift and secrets must never enter a plan file, even hashed."""
    objects = sample_objects()
    drifted = changed(objects, K.collection, "quasars", lambda obj: obj.with_attrs(rows_estimate=99_999))
    other_password = [
        kinds.role.new(DB, obj.name, login=True, purpose="reader", password=Sensitive("pw-two")) if obj.kind is K.role else obj
        for obj in objects
    ]
    assert fingerprint(drifted) == fingerprint(objects)
    assert fingerprint(other_password) == fingerprint(objects)
