"""A sharded collection in the topology file: what validation asks of it."""

from __future__ import annotations

import pytest

from vtopo.errors import SpecError
from vtopo.spec.loader import parse_topology

BASE = """\
version: 1
databases:
  app: {primary: true, dsn: "host=app"}
  pod_a: {dsn: "host=a", fdw: {password: "${env:A_PW}"}}
  pod_b: {dsn: "host=b", fdw: {password: "${env:B_PW}"}}
collections:
  notes:
    shards: [pod_a, pod_b]
    dimension: 3
"""


def test_a_sharded_collection_needs_its_view_on_the_primary(tmp_path):
    with pytest.raises(SpecError) as raised:
        parse_topology(BASE, str(tmp_path / "t.yaml"))
    assert "collections.notes.shards: a sharded collection is searched as one through the primary: give it expose.view" in str(raised.value)


def test_a_valid_sharded_collection_lives_in_each_of_its_shards(tmp_path):
    topology = parse_topology(BASE + "    expose: {view: public.notes}\n", str(tmp_path / "t.yaml"))
    spec = topology.collections["notes"]
    assert spec.sharded and spec.database is None and spec.databases == ["pod_a", "pod_b"]
    assert set(topology.collections_in("pod_b")) == {"notes"}
