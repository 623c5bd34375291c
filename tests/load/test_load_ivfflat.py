"""An IVFFlat index built after a first load gets the maintenance_work_mem pgvector requires for
its k-means (below it pgvector refuses the build), sized from the rows as pgvector sizes it."""

from __future__ import annotations

import re

import numpy as np
import orjson
import psycopg
import pytest

from vtopo.load.errors import LoadError
from vtopo.load.index import BuildSettings, ivfflat_memory
from vtopo.operations.load import load_file
from vtopo.operations.plan import make_plan
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology

DIMENSION = 16
LISTS = 400
COLLECTIONS = {"docs": {"database": "pod1", "dimension": DIMENSION, "index": {"method": "ivfflat", "lists": LISTS}}}
MB = 1024 * 1024


def required_by_pgvector(conn, kind, dimension, rows, lists) -> int | None:
    """pgvector's own "memory required is N MB" for an IVFFlat build of `rows` random vectors
    (None: it built), with maintenance_work_mem just above the samples' array, so the k-means
    check is the one that speaks."""
    conn.execute("DROP TABLE IF EXISTS ivf_probe")
    conn.execute(f"CREATE TABLE ivf_probe (v {kind}({dimension}))")
    conn.execute(f"INSERT INTO ivf_probe SELECT array(SELECT random() FROM generate_series(1, {dimension}) "
                 f"WHERE g > 0)::{kind}({dimension}) FROM generate_series(1, {rows}) g")
    item = (8 + (4 if kind == "vector" else 2) * dimension + 7) // 8 * 8
    conn.execute(f"SET maintenance_work_mem = '{max(lists * 50, 10_000) * item // 1024 + 2048}kB'")
    try:
        conn.execute(f"CREATE INDEX ON ivf_probe USING ivfflat (v {kind}_l2_ops) WITH (lists = {lists})")
        return None
    except psycopg.errors.ProgramLimitExceeded as error:
        return int(re.search(r"memory required is (\d+) MB", str(error)).group(1))
    finally:
        conn.execute("DROP TABLE IF EXISTS ivf_probe")


@pytest.mark.parametrize(("kind", "dimension", "rows", "lists"), [
    ("vector", 16, 8000, 400), ("halfvec", 16, 8000, 400), ("vector", 64, 30_000, 300), ("halfvec", 200, 12_000, 1000),
])
def test_the_estimate_is_what_pgvector_requires(applied, kind, dimension, rows, lists):
    with psycopg.connect(applied.dbs.secondary1.dsn, autocommit=True) as conn:
        required = required_by_pgvector(conn, kind, dimension, rows, lists)
    estimate = ivfflat_memory(rows, lists, 8 + (4 if kind == "vector" else 2) * dimension, halfvec=kind == "halfvec")
    assert required == estimate // MB + 1  # pgvector rounds its bytes up to the next MB as this does


def test_too_few_rows_for_k_means_need_only_the_samples():
    item = 8 + 4 * DIMENSION
    assert ivfflat_memory(300, LISTS, item) == LISTS * 50 * item


@pytest.fixture
def small_default_memory(applied):
    """Sessions of pod1's database start with 2 MB of maintenance_work_mem (the build needs ~15)."""
    with psycopg.connect(applied.dbs.secondary1.dsn, autocommit=True) as conn:
        database = conn.info.dbname
        conn.execute(f'ALTER DATABASE "{database}" SET maintenance_work_mem = \'2MB\'')
        conn.execute("TRUNCATE vecs.docs")
    yield applied
    with psycopg.connect(applied.dbs.secondary1.dsn, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" RESET maintenance_work_mem')


def write_rows(path, count):
    vectors = np.random.default_rng(3).uniform(-1, 1, (count, DIMENSION))
    path.write_bytes(b"".join(orjson.dumps({"id": f"d{i}", "vector": vector}, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n"
                              for i, vector in enumerate(vectors)))
    return path


def load(applied, path, **options):
    return load_file(resolve_topology(load_topology(applied.path)), "docs", path, **options)


def valid_indexes(applied):
    with psycopg.connect(applied.dbs.secondary1.dsn) as conn:
        return conn.execute("SELECT ix.indisvalid FROM pg_index ix WHERE ix.indrelid = 'vecs.docs'::regclass "
                            "AND NOT ix.indisprimary AND ix.indexrelid::regclass::text LIKE '%ivfflat%'").fetchall()


def test_a_first_load_gives_the_build_the_memory_pgvector_requires(small_default_memory, tmp_path):
    path = write_rows(tmp_path / "rows.jsonl", 8000)
    report = load(small_default_memory, path)
    assert report.rows == 8000 and report.index_built
    assert valid_indexes(small_default_memory) == [(True,)]
    assert make_plan(small_default_memory.path)[0].steps == []


def test_a_build_given_too_little_memory_says_how_to_give_more(small_default_memory, tmp_path):
    path = write_rows(tmp_path / "rows.jsonl", 8000)
    with pytest.raises(LoadError) as raised:
        load(small_default_memory, path, build=BuildSettings("2MB"))
    assert "memory required is 15 MB" in raised.value.message and "the rows are written" in raised.value.message
    assert "--maintenance-work-mem" in raised.value.hint and "index.build.maintenance_work_mem" in raised.value.hint
    assert load(small_default_memory, write_rows(tmp_path / "more.jsonl", 10)).index_built  # the next load builds it
    assert valid_indexes(small_default_memory) == [(True,)]
