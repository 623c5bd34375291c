"""The reader role's search settings: explicit `search:` values, iterative-scan defaults for filtering."""

from __future__ import annotations

import textwrap

import pytest

from vtopo.desired.settings import reader_settings
from vtopo.spec import parse_topology

BASE = """
version: 1
databases:
  hub: {primary: true, dsn: "${env:HUB}"}
  rack: {dsn: "${env:RACK}", fdw: {password: "${env:RACK_PW}"}}
collections:
"""


def settings_for(collections: str) -> dict[str, str]:
    topology = parse_topology(BASE + textwrap.indent(textwrap.dedent(collections), "  "), "t.yaml")
    return reader_settings(topology, "rack")


def test_filterable_hnsw_collection_gets_strict_order_iterative_scan():
    assert settings_for(
        """
        notes: {database: rack, dimension: 3, metadata: {lang: {type: text}}, expose: {view: public.notes}}
        """
    ) == {"hnsw.iterative_scan": "strict_order", "cursor_tuple_fraction": "1"}


def test_filterable_ivfflat_collection_gets_relaxed_order_iterative_scan():
    assert settings_for(
        """
        notes: {database: rack, dimension: 3, index: {method: ivfflat}, metadata: {lang: {type: text}}, expose: {view: public.notes}}
        """
    ) == {"ivfflat.iterative_scan": "relaxed_order", "ivfflat.probes": "10", "cursor_tuple_fraction": "1"}


def test_ivfflat_probes_default_to_vecs_and_an_explicit_value_wins():
    """Vecs (and a direct vtopo query) probe 10 lists unless told otherwise; so does the reader."""
    assert settings_for(
        """
        notes: {database: rack, dimension: 3, index: {method: ivfflat}, expose: {view: public.notes}}
        """
    ) == {"ivfflat.probes": "10", "cursor_tuple_fraction": "1"}
    assert settings_for(
        """
        notes: {database: rack, dimension: 3, index: {method: ivfflat}, search: {probes: 3}, expose: {view: public.notes}}
        """
    )["ivfflat.probes"] == "3"


@pytest.mark.parametrize(
    "collection",
    [
        "notes: {database: rack, dimension: 3, expose: {view: public.notes}}",  # no fields to filter on
        "notes: {database: rack, dimension: 3, index: {method: none}, metadata: {lang: {type: text}}, expose: {view: public.notes}}",
    ],
)
def test_no_iterative_default_without_filterable_indexed_collection(collection):
    assert settings_for(collection) == {"cursor_tuple_fraction": "1"}


def test_a_secondary_without_exposed_collections_has_no_reader_settings():
    assert settings_for("notes: {database: rack, dimension: 3, metadata: {lang: {type: text}}}") == {}


def test_explicit_values_win_over_defaults_and_are_shared_by_the_secondary():
    assert settings_for(
        """
        notes: {database: rack, dimension: 3, metadata: {lang: {type: text}}, search: {iterative_scan: "off", ef_search: 80}, expose: {view: public.notes}}
        memos: {database: rack, dimension: 3, metadata: {tag: {type: text}}, expose: {view: public.memos}}
        """
    ) == {"hnsw.iterative_scan": "off", "hnsw.ef_search": "80", "cursor_tuple_fraction": "1"}
