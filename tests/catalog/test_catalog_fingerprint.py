"""catalog.fingerprint: the digest a saved plan carries of the live state it was made from."""

from __future__ import annotations

import random

import pytest

from vtopo.catalog import objects as o
from vtopo.catalog.model import Catalog, ObjectKind, fingerprint, key_of
from vtopo.spec.secrets import Sensitive

K = ObjectKind
DB = "shard_q"


def sample_objects() -> list:
    """One database's worth of objects, built with the catalog constructors."""
    fields = {"band": "text"}
    columns = o.view_columns("vector", 3, fields)
    view = o.exposure_view(DB, "quasars", columns=columns, fields=fields)
    return [
        o.extension(DB, "vector", version="0.8.0"),
        o.schema(DB, "vecs"),
        o.schema(DB, "vtopo"),
        o.role(DB, "vtopo_fdw_shard_q", login=True, purpose="reader", password=Sensitive("pw-one")),
        o.role_setting(DB, "vtopo_fdw_shard_q", "hnsw.ef_search", "80"),
        o.collection(DB, "quasars", dimension=3, vector_type="vector", rows=10),
        o.vector_index(
            DB, "quasars", method="hnsw", opclass="vector_cosine_ops", params={"m": 16, "ef_construction": 64},
            index_name="ix_vector_cosine_ops_hnsw_m16_efc64_abcdef0",
        ),
        o.metadata_index(DB, "quasars", "band", field_type="text", index_name="vtopo_md_quasars_band"),
        view,
        o.grant(DB, "SELECT", view.key, target=["vtopo", "quasars"], role_name="vtopo_fdw_shard_q"),
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
        (K.collection, "quasars", lambda obj: o.with_spec(obj, dimension=4)),
        (K.vector_index, "quasars", lambda obj: o.with_spec(obj, params={"m": 32, "ef_construction": 64})),
        (K.vector_index, "quasars", lambda obj: o.with_spec(obj, valid=False)),
        (K.role_setting, "vtopo_fdw_shard_q:hnsw.ef_search", lambda obj: o.with_spec(obj, value="100")),
    ],
    ids=["dimension", "index-params", "index-validity", "setting-value"],
)
def test_fingerprint_changes_when_a_spec_changes(kind, name, change):
    objects = sample_objects()
    assert fingerprint(changed(objects, kind, name, change)) != fingerprint(objects)


def test_fingerprint_changes_when_an_object_appears_or_disappears():
    objects = sample_objects()
    assert fingerprint(objects[:-1]) != fingerprint(objects)
    assert fingerprint([*objects, o.schema(DB, "scratch")]) != fingerprint(objects)


def test_fingerprint_ignores_attrs_and_secrets():
    """Row estimates drift and secrets must never enter a plan file, even hashed."""
    objects = sample_objects()
    drifted = changed(objects, K.collection, "quasars", lambda obj: o.with_attrs(obj, rows_estimate=99_999))
    other_password = [
        o.role(DB, obj.name, login=True, purpose="reader", password=Sensitive("pw-two")) if obj.kind is K.role else obj
        for obj in objects
    ]
    assert fingerprint(drifted) == fingerprint(objects)
    assert fingerprint(other_password) == fingerprint(objects)
