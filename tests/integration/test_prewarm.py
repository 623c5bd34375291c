"""`prewarm: true`: apply loads the vector index into shared buffers (measured with
pg_buffercache), `check` reports the fraction, `check --prewarm` loads it again."""

from __future__ import annotations

import json

import pytest
from harness import run_vtopo

from .helpers import Topo, execute, fill_random

DIMENSION = 32


def collections(prewarm: bool = True) -> dict:
    return {"tides": {"database": "pod1", "dimension": DIMENSION, "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
                      "prewarm": prewarm, "expose": {"view": "public.tides"}}}


@pytest.fixture
def warm(make_topo) -> Topo:
    topo = make_topo(collections(prewarm=False), prefix="PW")
    topo.apply_auto()
    fill_random(topo.db("pod1"), "tides", 3000, DIMENSION)
    execute(topo.db("pod1"), "create extension if not exists pg_buffercache")
    return topo


def cached_fraction(topo: Topo) -> float:
    """Measured here, independently of vtopo: the index's blocks in shared buffers."""
    with topo.db("pod1").connect() as conn:
        return conn.execute(
            "select (select count(*) from pg_buffercache b where b.relfilenode = pg_relation_filenode(i.indexrelid) "
            "and b.reldatabase = (select oid from pg_database where datname = current_database()))::float "
            "/ greatest(pg_relation_size(i.indexrelid) / current_setting('block_size')::int, 1) "
            "from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam "
            "where i.indrelid = 'vecs.tides'::regclass and am.amname = 'hnsw'").fetchone()[0]


def evict(topo: Topo) -> None:
    """Drop the index's pages from shared buffers (pg_buffercache's function on PostgreSQL 18)."""
    execute(topo.db("pod1"), "select pg_buffercache_evict_relation(i.indexrelid) from pg_index i where i.indrelid = 'vecs.tides'::regclass")


def test_apply_prewarms_the_index_and_check_reports_it(warm):
    evict(warm)
    assert cached_fraction(warm) < 0.9
    warm.collections["tides"]["prewarm"] = True
    warm.write()
    result = warm.apply_auto()
    assert cached_fraction(warm) >= 0.9
    assert "prewarmed tides (pod1)" in result.stderr, result.stderr
    check = run_vtopo("check", "-f", str(warm.path), "--format", "json", env=warm.env)
    assert check.returncode == 0, check.stdout + check.stderr
    (row,) = [r for r in json.loads(check.stdout)["results"] if r["check"] == "index in shared buffers"]
    assert row["passed"] is True and "cached" in row["detail"]


def test_check_prewarm_loads_it_again(warm):
    warm.collections["tides"]["prewarm"] = True
    warm.write()
    warm.apply_auto()
    evict(warm)
    assert cached_fraction(warm) < 0.9
    cold = run_vtopo("check", "-f", str(warm.path), "--format", "json", env=warm.env)
    (row,) = [r for r in json.loads(cold.stdout)["results"] if r["check"] == "index in shared buffers"]
    assert row["passed"] is None and "check --prewarm" in row["detail"]
    run_vtopo("check", "-f", str(warm.path), "--prewarm", env=warm.env)
    assert cached_fraction(warm) >= 0.9
