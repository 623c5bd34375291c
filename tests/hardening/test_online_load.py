"""A vector index is replaced online while client threads keep reading (directly and through the
primary) and upserting: no client sees an error, operations overlap the build, the new index is
valid and the plan converges. Runs benchmarks/apply_under_load.py on the test servers; the
100,000-row case is marked slow (`pytest -m slow`), a small one runs in the normal suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from harness import topology_for

from .faults import vector_indexes_of

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "apply_under_load.py"


def load_benchmark():
    spec = importlib.util.spec_from_file_location("apply_under_load", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(pg_dbs, tmp_path, rows: int, dim: int) -> dict:
    bench = load_benchmark()
    _, env = topology_for(pg_dbs, prefix="LOAD")
    env = {"LOAD_APP_DSN": env["LOAD_APP_DSN"], "LOAD_POD_DSN": env["LOAD_POD1_DSN"], "LOAD_POD_FDW_PASSWORD": "load-fdw-pw"}
    pod = pg_dbs.secondary1
    peer = {"host": pod.peer_host, "port": pod.peer_port} if (pod.peer_host, pod.peer_port) != (pod.host, pod.port) else None
    report = bench.run_under_load(tmp_path, env, app_dsn=pg_dbs.primary.dsn, pod_dsn=pod.dsn, rows=rows, dim=dim, pod_fdw=peer)
    bench.print_report(report)
    assert report["errors"] == [], report["errors"][:5]
    assert report["operations_during_build"] > 0, report
    assert all(kind["operations"] > 0 for kind in report["kinds"].values()), report["kinds"]
    (index,) = vector_indexes_of(pod, "docs")
    assert index[1] is True and index[2] == ["ef_construction=64", "m=16"], index
    return report


def test_online_replacement_under_load_small(pg_dbs, tmp_path):
    report = run(pg_dbs, tmp_path, rows=3000, dim=16)
    assert report["longest_operation_ms"] < 5000, report


@pytest.mark.slow
def test_online_replacement_under_load_100k_rows(pg_dbs, tmp_path):
    report = run(pg_dbs, tmp_path, rows=100_000, dim=16)
    assert report["longest_operation_ms"] < 10_000, report
