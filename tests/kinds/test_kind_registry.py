"""The kind registry: one definition per kind with every part, and a template for every action it can lead to."""

from __future__ import annotations

from collections import Counter

import pytest

from vtopo import kinds
from vtopo.catalog.model import ObjectKind
from vtopo.kinds import KINDS, kind_of
from vtopo.kinds.base import Kind
from vtopo.render.statements import has_template

ALL_KINDS = list(ObjectKind)


def test_every_kind_has_exactly_one_definition():
    counts = Counter(type(definition) for definition in KINDS.values())
    assert set(KINDS) == set(ObjectKind)
    assert [kind for kind, count in counts.items() if count != 1] == []


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_kind_of_returns_the_registered_definition(kind):
    assert kind_of(kind) is KINDS[kind]
    assert KINDS[kind].kind is kind


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_declares_its_own_introspection_and_drawing(kind):
    """A kind missing a part fails here: Kind leaves introspect and draw abstract, and each
    kind module must define them itself (not inherit them from another kind)."""
    definition = KINDS[kind]
    assert isinstance(definition, Kind)
    for part in ("introspect", "draw"):
        owner = next(cls for cls in type(definition).__mro__ if part in cls.__dict__)
        assert owner is not Kind, f"{kind.value} has no {part}"
        assert owner.__module__ == type(definition).__module__, f"{kind.value} borrows {part} from {owner.__module__}"


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_module_constructs_its_objects(kind):
    module = __import__(type(KINDS[kind]).__module__, fromlist=["new"])
    assert callable(getattr(module, "new", None)), f"{module.__name__} has no new()"


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_analyze_template_exists_exactly_for_analyzed_kinds(kind):
    assert has_template(kind, "analyze") == KINDS[kind].analyzed


def test_index_kinds_rename_for_an_online_replacement():
    vector = kinds.vector_index.new("db", "docs", method="hnsw", opclass="vector_cosine_ops",
                                    params={"m": 16, "ef_construction": 64}, index_name="x")
    field = kinds.metadata_index.new("db", "docs", "url", field_type="text", index_name="y")
    gin = kinds.metadata_index.new("db", "docs", "*", field_type="gin", index_name="z")
    for obj in (vector, field, gin):
        definition = kind_of(obj.kind)
        assert definition.is_index
        assert len({definition.renamed(obj, generation).attrs_dict["index_name"] for generation in (0, 1, 2)}) == 3
    assert {kind for kind, definition in KINDS.items() if definition.is_index} == {ObjectKind.vector_index, ObjectKind.metadata_index}


def test_objects_depend_only_on_kinds_of_lower_rank():
    """Ranks order creates (and, reversed, drops): a dependency must come first."""
    from pathlib import Path

    from vtopo.desired.build import build_desired
    from vtopo.spec.loader import load_topology

    example = Path(__file__).resolve().parents[2] / "topology.example.yaml"
    desired = build_desired(load_topology(example, env=""))
    assert len(desired) > 20
    for obj in desired:
        for _, kind, _ in (*obj.depends_on, *kind_of(obj.kind).implicit_needs(obj)):
            assert kind.rank < obj.kind.rank, f"{obj.label()} depends on a {kind.value}"


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_has_a_create_template(kind):
    assert has_template(kind, "create")


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_update_template_exists_exactly_for_kinds_updated_in_place(kind):
    assert has_template(kind, "update") == KINDS[kind].has_updates


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_that_can_be_dropped_has_a_delete_template(kind):
    """Extensions and schemas are retained and compare nothing, so no plan ever drops
    or replaces one (and they depend on nothing a cascade could replace); every other
    kind needs a delete template."""
    rule = KINDS[kind]
    never_dropped = rule.retain and rule.compared_keys == ()
    assert has_template(kind, "delete") or never_dropped
    if never_dropped:
        assert not has_template(kind, "delete")  # keep the two lists honest


@pytest.mark.parametrize(
    "live, desired",
    [
        (kinds.extension.new("db", "vector", version="0.7.0"), kinds.extension.new("db", "vector")),
        (kinds.schema.new("db", "vecs", managed=False), kinds.schema.new("db", "vecs")),
    ],
    ids=["extension", "schema"],
)
def test_retained_kinds_are_never_changed(live, desired):
    rule = KINDS[desired.kind]
    assert rule.compare(live, desired) is None
    assert not rule.may_delete(live)
    assert rule.may_adopt(live, desired)
    assert desired.depends_on == ()


def test_has_template_is_false_for_an_action_without_a_template():
    assert not has_template(ObjectKind.collection, "update")
    assert not has_template(ObjectKind.foreign_table, "rename")
