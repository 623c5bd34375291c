"""The rule registry: one rule per kind, and a template for every action a rule can lead to."""

from __future__ import annotations

from collections import Counter

import pytest

from vtopo.catalog import objects as o
from vtopo.catalog.model import ObjectKind
from vtopo.diff.rules import ALL_RULES, RULES, rule_for
from vtopo.render.statements import has_template

ALL_KINDS = list(ObjectKind)


def test_every_kind_has_exactly_one_rule():
    counts = Counter(rule.kind for rule in ALL_RULES)
    assert set(counts) == set(ObjectKind)
    assert [kind for kind, count in counts.items() if count != 1] == []
    assert set(RULES) == set(ObjectKind)


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_rule_for_returns_the_registered_rule(kind):
    assert rule_for(kind) is RULES[kind]
    assert RULES[kind].kind is kind


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_has_a_create_template(kind):
    assert has_template(kind, "create")


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_update_template_exists_exactly_for_kinds_updated_in_place(kind):
    assert has_template(kind, "update") == RULES[kind].update_in_place


@pytest.mark.parametrize("kind", ALL_KINDS, ids=lambda k: k.value)
def test_every_kind_that_can_be_dropped_has_a_delete_template(kind):
    """Extensions and schemas are retained and compare nothing, so no plan ever drops
    or replaces one (and they depend on nothing a cascade could replace); every other
    kind needs a delete template."""
    rule = RULES[kind]
    never_dropped = rule.retain and rule.compared_keys == ()
    assert has_template(kind, "delete") or never_dropped
    if never_dropped:
        assert not has_template(kind, "delete")  # keep the two lists honest


@pytest.mark.parametrize(
    "live, desired",
    [
        (o.extension("db", "vector", version="0.7.0"), o.extension("db", "vector")),
        (o.schema("db", "vecs", managed=False), o.schema("db", "vecs")),
    ],
    ids=["extension", "schema"],
)
def test_retained_kinds_are_never_changed(live, desired):
    rule = RULES[desired.kind]
    assert rule.compare(live, desired) is None
    assert not rule.may_delete(live)
    assert rule.may_adopt(live, desired)
    assert desired.depends_on == ()


def test_has_template_is_false_for_an_action_without_a_template():
    assert not has_template(ObjectKind.collection, "update")
    assert not has_template(ObjectKind.foreign_table, "rename")
