"""vtopo.spec.loader in-process: the model a valid file gives, and how problems are located."""

from __future__ import annotations

import pydantic
import pytest

from vtopo.errors import SpecError
from vtopo.spec import load_topology, parse_topology
from vtopo.spec.models import IndexMethod, Measure, VectorType


def problems_of(text: str) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_topology(text, "t.yaml")
    return caught.value.problems


def test_valid_file_gives_the_model(orbit):
    topology = parse_topology(orbit, "t.yaml")
    assert topology.primary_name == "hub"
    assert list(topology.collections_in("shard_a")) == ["papers"]
    assert list(topology.collections_in("hub")) == ["sketches"]
    papers, sketches = topology.collections["papers"], topology.collections["sketches"]
    assert (papers.type, papers.measure) == (VectorType.vector, Measure.inner_product)
    assert (papers.index.method, sketches.index.method) == (IndexMethod.hnsw, IndexMethod.ivfflat)
    assert (papers.index.effective_m, papers.index.effective_ef_construction) == (24, 96)
    assert sketches.index.effective_lists == 50
    assert papers.expose.view == "catalog.papers"
    assert sketches.expose.view == "public.sketches"  # unqualified views live in public
    assert papers.expose.grant == ["reader", "analyst"]
    assert topology.databases["shard_a"].fdw.user == "orbit_reader"


def test_secret_references_are_listed_with_their_keys(orbit):
    assert parse_topology(orbit, "t.yaml").secret_references() == [
        ("databases.hub.dsn", "env", "ORBIT_HUB_DSN"),
        ("databases.shard_a.dsn", "env", "ORBIT_SHARD_A_PASSWORD"),
        ("databases.shard_a.fdw.password", "file", "secrets/shard_a_fdw.txt"),
    ]


def test_defaults(orbit_with):
    text = orbit_with(
        ("    type: vector\n    measure: inner_product\n", ""),
        ("      m: 24\n      ef_construction: 96\n", ""),
    )
    papers = parse_topology(text, "t.yaml").collections["papers"]
    assert (papers.type, papers.measure) == (VectorType.vector, Measure.cosine)
    assert (papers.index.effective_m, papers.index.effective_ef_construction, papers.prevent_destroy) == (16, 64, False)


def test_model_is_immutable(orbit):
    topology = parse_topology(orbit, "t.yaml")
    with pytest.raises(pydantic.ValidationError):
        topology.collections["papers"].dimension = 3


def test_load_topology_remembers_its_path(orbit, write_topology):
    path = write_topology(orbit)
    assert load_topology(path).source_path == path


def test_problems_are_one_per_line_and_counted(orbit_with):
    text = orbit_with(("dimension: 1536", "dimension: 0"), ("lists: 50", "lists: 0"), ("database: hub", "database: ''"))
    assert problems_of(text) == [
        "t.yaml:15: collections.papers.dimension: Input should be greater than or equal to 1",
        "t.yaml:32: collections.sketches.database: must be a non-empty identifier",
        "t.yaml:32: collections.sketches.database: unknown database '' (declared: hub, shard_a)",
        "t.yaml:38: collections.sketches.index.lists: Input should be greater than or equal to 1",
    ]


MERGED = """\
version: 1
databases:
  hub: &base
    primary: true
    dsn: ${env:HUB_DSN}
  mirror:
    <<: *base
    primary: false
    dsn: MIRROR
"""


def test_merge_key_values_can_be_overridden():
    topology = parse_topology(MERGED.replace("MIRROR", "${env:MIRROR_DSN}"), "t.yaml")
    assert topology.primary_name == "hub"
    assert topology.databases["mirror"].dsn == "${env:MIRROR_DSN}"


def test_overriding_key_is_located_at_its_own_line():
    assert problems_of(MERGED.replace("MIRROR", "''")) == ["t.yaml:9: databases.mirror.dsn: must not be empty"]


def test_duplicate_after_merge_is_still_a_duplicate():
    text = MERGED.replace("MIRROR", "${env:MIRROR_DSN}") + "    primary: true\n"
    assert problems_of(text) == ["t.yaml:10: databases.mirror.primary: duplicate key (first given on line 8)"]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ('"bad\\u202ename"', "collections.'bad\\u202ename'"),  # right-to-left override, escaped
        ('"a\\tb"', "collections.'a\\tb'"),
        ('""', "collections.''"),
    ],
    ids=["bidi-override", "tab", "empty"],
)
def test_unprintable_keys_are_escaped(key, shown):
    text = "version: 1\ndatabases:\n  hub: {primary: true, dsn: x}\ncollections:\n"
    text += f"  {key}: {{database: hub, dimension: 3}}\n"
    [problem] = problems_of(text)
    assert problem.startswith(f"t.yaml:5: {shown}: ")
    assert problem.isprintable()


def test_non_string_keys_are_rejected():
    text = "version: 1\ndatabases:\n  hub: {primary: true, dsn: x}\n  [a, b]: {dsn: y}\n"
    assert problems_of(text) == ["t.yaml:4: databases: keys must be plain strings"]
