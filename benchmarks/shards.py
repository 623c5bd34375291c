"""Sharded collections: search latency through the search function on 1, 2 and 4 shards of
the same rows, against each shard searched alone, in one run.

Starts a primary and one server for the shards (each shard its own database there), lets
vtopo create three collections over the same N random vectors (default 100,000 × 384):
`one` on shard s1 (not sharded: the baseline), `two` on [s1, s2], `four` on [s1..s4]; loads
the rows through the Python API (routed by id), then builds the HNSW indexes. Measures, per
collection, the median and p95 of a top-10 through its search function on the primary
(what client libraries call) and recall@10 against exact search over all rows; and, for the
sharded ones, a top-10 on each shard alone (prepared, directly on the shard's table: its
part of the rows), so that latency through the function can be read against the slowest
shard (concurrency) and against the sum of the shards (what a one-by-one search costs).

Usage: python benchmarks/shards.py [--rows 100000] [--dim 384] [--repeat 200] [--ef-search 100]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
import yaml

import vtopo
from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.operations import ApplyOptions, apply_topology

SHARDS = ["s1", "s2", "s3", "s4"]
LAYOUTS = {"one": ["s1"], "two": ["s1", "s2"], "four": SHARDS}


def topology(dim: int, ef_search: int, index: str) -> dict:
    """Every DSN and password from the environment (main() sets them), as a topology file must."""
    databases = {"app": {"primary": True, "dsn": "${env:BENCH_APP_DSN}"}}
    for shard in SHARDS:
        databases[shard] = {"dsn": f"${{env:BENCH_{shard.upper()}_DSN}}", "fdw": {"password": f"${{env:BENCH_{shard.upper()}_FDW}}"}}
    collections = {}
    for name, shards in LAYOUTS.items():
        home = {"database": shards[0]} if len(shards) == 1 else {"shards": shards}
        hnsw = index == "hnsw"
        collections[name] = {**home, "dimension": dim, "measure": "cosine", "gin_index": False,
                             "index": {"method": index, **({"m": 16, "ef_construction": 64} if hnsw else {})},
                             **({"search": {"ef_search": ef_search}} if hnsw else {}), "expose": {"view": f"public.{name}"}}
    return {"version": 1, "name": "bench-shards", "databases": databases, "collections": collections}


def timed(conn: psycopg.Connection, statement: str, queries: list[str], prepare: bool = True) -> list[float]:
    times = []
    for query in queries:
        started = time.perf_counter()
        conn.execute(statement, (query,), prepare=prepare).fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--ef-search", type=int, default=100)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="vtopo-bench-shards-"))
    cluster = LocalCluster(root / "servers", ServerOptions(fsync=False, shared_buffers="1GB"))
    try:
        primary, pods = cluster.up(["primary", "pods"])
        with psycopg.connect(pods.dsn(), autocommit=True) as conn:
            for shard in SHARDS:
                conn.execute(f"CREATE DATABASE {shard}")  # static names, no user input
        path = root / "topology.yaml"

        def apply(index: str) -> None:
            path.write_text(yaml.safe_dump(topology(args.dim, args.ef_search, index)))
            outcome = apply_topology(path, approve=lambda plan: True, options=ApplyOptions(check=False))
            assert outcome.remaining is None or outcome.remaining.is_empty

        os.environ["BENCH_APP_DSN"] = primary.dsn()
        for shard in SHARDS:
            os.environ[f"BENCH_{shard.upper()}_DSN"] = pods.dsn(shard)
            os.environ[f"BENCH_{shard.upper()}_FDW"] = f"bench-fdw-{shard}"
        apply("none")  # load first, build the indexes after (pgvector's advice)
        rng = np.random.default_rng(42)
        centers = rng.normal(size=(100, args.dim)).astype(np.float32)
        vectors = (centers[rng.integers(0, 100, args.rows)] + rng.normal(scale=0.3, size=(args.rows, args.dim))).astype(np.float32)
        ids = [f"doc-{i}" for i in range(args.rows)]
        started = time.perf_counter()
        with vtopo.connect(path) as client:
            for name in LAYOUTS:
                collection = client.collection(name)
                for start in range(0, args.rows, 10_000):
                    collection.upsert(ids=ids[start:start + 10_000], vectors=vectors[start:start + 10_000])
        print(f"loaded {args.rows:,} rows into each of {len(LAYOUTS)} collections in {time.perf_counter() - started:.0f}s")
        started = time.perf_counter()
        apply("hnsw")
        print(f"built the HNSW indexes (m 16, ef_construction 64) in {time.perf_counter() - started:.0f}s")

        queries_np = (centers[rng.integers(0, 100, args.repeat)] + rng.normal(scale=0.3, size=(args.repeat, args.dim))).astype(np.float32)
        queries = ["[" + ",".join(f"{x:.5f}" for x in q) + "]" for q in queries_np]
        normed = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        exact = [set(np.argsort(-(normed @ (q / np.linalg.norm(q))))[:10]) for q in queries_np]

        rows = []
        with psycopg.connect(primary.dsn(), autocommit=True) as conn:
            for name in LAYOUTS:
                statement = f"SELECT id FROM public.match_{name}(%s::vector, 10)"
                timed(conn, statement, queries[:20])  # warm: connections, prepared statements, caches
                times = timed(conn, statement, queries)
                found = [conn.execute(statement, (q,)).fetchall() for q in queries]
                recall = statistics.mean(len({int(r[0].split("-")[1]) for r in f} & e) / 10 for f, e in zip(found, exact))
                rows.append((name, times, recall))
        alone: dict[str, list[float]] = {}
        for shard in SHARDS:
            with psycopg.connect(pods.dsn(shard), autocommit=True) as conn:
                conn.execute(f"SET hnsw.ef_search = {int(args.ef_search)}")
                for name, shards in LAYOUTS.items():
                    if shard in shards and len(shards) > 1:
                        statement = f"SELECT id FROM vecs.{name} ORDER BY vec <=> %s::vector LIMIT 10"
                        timed(conn, statement, queries[:20])
                        alone[f"{name}/{shard}"] = timed(conn, statement, queries)

        print(f"\n{args.rows:,} × {args.dim}, top-10 through match_<name>() on the primary, ef_search {args.ef_search}, "
              f"{args.repeat} queries")
        print("| collection | shards | median ms | p95 ms | recall@10 | slowest shard alone (median ms) | function / slowest shard | sum of shards (median ms) | function / sum |")
        print("|---|---|---|---|---|---|---|---|---|")
        for name, times, recall in rows:
            shards = LAYOUTS[name]
            median = statistics.median(times)
            if len(shards) > 1:
                medians = [statistics.median(alone[f"{name}/{shard}"]) for shard in shards]
                slowest, total = max(medians), sum(medians)
                extra = f"{slowest:.3f} | {median / slowest:.2f} | {total:.3f} | {median / total:.2f}"
            else:
                extra = "- | - | - | -"
            print(f"| {name} | {len(shards)} | {median:.3f} | {p95(times):.3f} | {recall:.3f} | {extra} |")
    finally:
        if not args.keep:
            cluster.down(purge=True)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
