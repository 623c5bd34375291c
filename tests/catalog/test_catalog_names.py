"""Names vtopo gives the objects it creates: bounded, unique, recognisable by Vecs."""

from __future__ import annotations

import re

import pytest

from vtopo.catalog.names import gin_index_name, metadata_index_name, vector_index_name
from vtopo.spec.names import bounded_name, owned_reader_role_name, reader_role_name, server_name

MAX_BYTES = 63
HNSW_PATTERN = re.compile(r"ix_(?P<ops>[a-z0-9_]+_ops)_hnsw_m(?P<m>\d+)_efc(?P<efc>\d+)_(?P<suffix>[0-9a-f]{7})")
IVFFLAT_PATTERN = re.compile(r"ix_(?P<ops>[a-z0-9_]+_ops)_ivfflat_nl(?P<lists>\d+)_(?P<suffix>[0-9a-f]{7})")


def byte_length(name: str) -> int:
    return len(name.encode("utf-8"))


def test_short_names_are_joined_unchanged():
    assert bounded_name("vtopo_md", "papers", "venue") == "vtopo_md_papers_venue"


def test_a_name_of_exactly_63_bytes_is_kept():
    name = "n" * MAX_BYTES
    assert bounded_name(name) == name


@pytest.mark.parametrize(
    "parts",
    [
        ("vtopo_md", "c" * 63, "f" * 63),
        ("x" * 64,),
        ("vtopo", "é" * 40),  # multibyte: cut on a character boundary
    ],
    ids=["three-parts", "one-part", "multibyte"],
)
def test_long_names_are_bounded_to_63_bytes(parts):
    name = bounded_name(*parts)
    assert byte_length(name) <= MAX_BYTES
    name.encode("utf-8").decode("utf-8")  # still valid UTF-8
    assert bounded_name(*parts) == name  # deterministic


def test_long_names_sharing_a_prefix_stay_unique():
    prefix = "observatory_spectra_" * 4
    first = bounded_name("vtopo_md", prefix + "north", "wavelength")
    second = bounded_name("vtopo_md", prefix + "south", "wavelength")
    assert first != second
    assert max(byte_length(first), byte_length(second)) <= MAX_BYTES


@pytest.mark.parametrize("make", [server_name, reader_role_name])
def test_per_database_names_are_bounded(make):
    long_database = "regional_archive_" * 4
    assert byte_length(make(long_database)) <= MAX_BYTES
    assert make(long_database + "a") != make(long_database + "b")


def test_default_reader_role_names_are_unique_per_database_stable_and_bounded():
    # Two topologies with the same database keys on one server: other databases, other roles.
    staging, production = owned_reader_role_name("docs_pod", "staging"), owned_reader_role_name("docs_pod", "production")
    assert staging != production
    assert staging == owned_reader_role_name("docs_pod", "staging")  # the same on every run
    assert re.fullmatch(r"vtopo_fdw_docs_pod_[0-9a-f]{8}", staging)
    long_key = "regional_archive_" * 4
    first, second = owned_reader_role_name(long_key, "a"), owned_reader_role_name(long_key, "b")
    assert first != second and max(byte_length(first), byte_length(second)) <= MAX_BYTES


def test_hnsw_index_name_follows_the_vecs_pattern():
    name = vector_index_name("galaxies", "vector_l2_ops", "hnsw", {"m": 24, "ef_construction": 96})
    match = HNSW_PATTERN.fullmatch(name)
    assert match, name
    assert match["ops"] == "vector_l2_ops" and match["m"] == "24" and match["efc"] == "96"


def test_ivfflat_index_name_follows_the_vecs_pattern():
    name = vector_index_name("galaxies", "halfvec_ip_ops", "ivfflat", {"lists": 250})
    match = IVFFLAT_PATTERN.fullmatch(name)
    assert match, name
    assert match["ops"] == "halfvec_ip_ops" and match["lists"] == "250"


def test_vector_index_suffix_depends_on_collection_and_generation():
    params = {"m": 16, "ef_construction": 64}
    name = vector_index_name("galaxies", "vector_cosine_ops", "hnsw", params)
    assert vector_index_name("galaxies", "vector_cosine_ops", "hnsw", params) == name
    assert vector_index_name("nebulae", "vector_cosine_ops", "hnsw", params) != name
    assert vector_index_name("galaxies", "vector_cosine_ops", "hnsw", params, generation=1) != name


def test_gin_index_name_follows_the_vecs_pattern():
    assert re.fullmatch(r"ix_meta_[0-9a-f]{7}", gin_index_name("galaxies"))
    assert gin_index_name("galaxies", 1) != gin_index_name("galaxies")


@pytest.mark.parametrize("collection, field", [("galaxies", "redshift"), ("vector", "ops"), ("c" * 60, "f" * 60)])
def test_metadata_index_names_never_look_like_a_vecs_vector_index(collection, field):
    for generation in (0, 1, 2):
        name = metadata_index_name(collection, field, generation)
        assert not name.startswith("ix_vector")
        assert not HNSW_PATTERN.fullmatch(name) and not IVFFLAT_PATTERN.fullmatch(name)
        assert byte_length(name) <= MAX_BYTES


def test_metadata_index_generations_differ_even_for_bounded_names():
    collection, field = "c" * 40, "f" * 30
    names = {metadata_index_name(collection, field, generation) for generation in (0, 1, 2)}
    assert len(names) == 3
    assert all(byte_length(name) <= MAX_BYTES for name in names)
