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

For the sharded ones also "every shard at once, directly (the server alone)": the same
prepared top-10 sent from this process to every shard of the collection (one connection
each, libpq's async API) before any answer is read, then merged to a global top-10 here.
It is the floor this machine sets for a sharded search without vtopo: `at once / slowest
shard alone` is what the CPUs allow (1.0: the shards truly search at once; the number of
shards: one after another); `at once / slowest per query` the same against each query's
slowest shard alone (a search at once waits for it: the fairer 1.0); `function / at once`
is what vtopo's function (the primary's hop, dblink, the merge in SQL) adds over that floor.
All paths of a collection run query by query in turn (the order rotating), so drifts of the
shared CPUs hit them alike.

Usage: python benchmarks/shards.py [--rows 100000] [--dim 384] [--repeat 200] [--ef-search 100]
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import os
import select
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import psycopg
import yaml
from psycopg.pq import ExecStatus

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


def interleaved(paths: dict[str, Callable[[str], object]], queries: list[str]) -> dict[str, list[float]]:
    """Milliseconds of each path per query, the paths in turn for each query (the order rotating,
    so none always follows another onto the same warm pages)."""
    names = list(paths)
    times: dict[str, list[float]] = {name: [] for name in names}
    for number, query in enumerate(queries):
        turn = number % len(names)
        for name in names[turn:] + names[:turn]:
            started = time.perf_counter()
            paths[name](query)
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def prepared(conn: psycopg.Connection, statement: str) -> Callable[[str], list]:
    return lambda query: conn.execute(statement, (query,), prepare=True).fetchall()


def shard_statement(name: str) -> str:
    return f"SELECT id, vec <=> $1::vector AS d FROM vecs.{name} ORDER BY vec <=> $1::vector LIMIT 10"


def shard_connection(dsn: str, ef_search: int) -> psycopg.Connection:
    conn = psycopg.connect(dsn, autocommit=True)
    conn.execute(f"SET hnsw.ef_search = {int(ef_search)}")
    return conn


def prepare_direct(conn: psycopg.Connection, name: str) -> psycopg.Connection:
    """The at-once path's top-10, prepared through libpq itself (the path sends it that way)."""
    result = conn.pgconn.prepare(b"top10", shard_statement(name).encode())
    assert result.status == ExecStatus.COMMAND_OK, conn.pgconn.get_error_message()
    return conn


def at_once(conns: list[psycopg.Connection]) -> Callable[[str], list[tuple[float, str]]]:
    """The query sent to every shard before any answer is read (libpq's async calls, no psycopg
    cursor in between: the least client work), the answers read as they come, merged to a top-10."""
    pgconns = [conn.pgconn for conn in conns]

    def search(query: str) -> list[tuple[float, str]]:
        param = [query.encode()]
        for pgconn in pgconns:
            pgconn.send_query_prepared(b"top10", param)
        waiting = {pgconn.socket: pgconn for pgconn in pgconns}
        found: list[tuple[float, str]] = []
        while waiting:
            ready, _, _ = select.select(list(waiting), [], [])
            for fd in ready:
                pgconn = waiting[fd]
                pgconn.consume_input()
                while not pgconn.is_busy():
                    result = pgconn.get_result()
                    if result is None:  # this shard's answer is complete
                        del waiting[fd]
                        break
                    assert result.status == ExecStatus.TUPLES_OK, pgconn.get_error_message()
                    found += [(float(result.get_value(row, 1)), result.get_value(row, 0).decode())
                              for row in range(result.ntuples)]
        return heapq.nsmallest(10, found)

    return search


def recall_of(found: list[list[str]], exact: list[set]) -> float:
    return statistics.mean(len({int(i.split("-")[1]) for i in ids} & e) / 10 for ids, e in zip(found, exact))


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
        with contextlib.ExitStack() as stack:
            conn = stack.enter_context(psycopg.connect(primary.dsn(), autocommit=True))
            # One connection per shard for the shards alone (shared by the collections there), and
            # one per shard and collection for the at-once path, so neither waits on the other.
            alone = {shard: stack.enter_context(shard_connection(pods.dsn(shard), args.ef_search)) for shard in SHARDS}
            for name, shards in LAYOUTS.items():
                statement = f"SELECT id FROM public.match_{name}(%s::vector, 10)"
                paths = {"function": prepared(conn, statement)}
                if len(shards) > 1:
                    single = f"SELECT id FROM vecs.{name} ORDER BY vec <=> %s::vector LIMIT 10"
                    paths.update({shard: prepared(alone[shard], single) for shard in shards})
                    direct = [stack.enter_context(shard_connection(pods.dsn(shard), args.ef_search)) for shard in shards]
                    paths["at once"] = at_once([prepare_direct(each, name) for each in direct])
                interleaved(paths, queries[:20])  # warm: connections, prepared statements, caches
                times = interleaved(paths, queries)
                found = [[r[0] for r in conn.execute(statement, (q,)).fetchall()] for q in queries]
                merged = [[i for _, i in paths["at once"](q)] for q in queries] if "at once" in paths else None
                rows.append((name, times, recall_of(found, exact), merged and recall_of(merged, exact)))

        print(f"\n{args.rows:,} × {args.dim}, top-10 through match_<name>() on the primary, ef_search {args.ef_search}, "
              f"{args.repeat} queries")
        print("| collection | shards | median ms | p95 ms | recall@10 | slowest shard alone (median ms) | function / slowest shard "
              "| sum of shards (median ms) | function / sum | at once, direct (median ms) | at once, direct (p95 ms) "
              "| at once / slowest shard alone | slowest alone per query (median ms) | at once / slowest per query "
              "| function / at once |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        checks = []
        for name, times, recall, merged_recall in rows:
            shards = LAYOUTS[name]
            function = times["function"]
            median = statistics.median(function)
            if len(shards) > 1:
                medians = [statistics.median(times[shard]) for shard in shards]
                slowest, total = max(medians), sum(medians)
                together = statistics.median(times["at once"])
                # Each query waits for its slowest shard: the floor of a search at once is the median of
                # that per-query maximum, above the slowest shard's median when latencies vary.
                per_query = statistics.median(max(each) for each in zip(*(times[shard] for shard in shards)))
                extra = (f"{slowest:.3f} | {median / slowest:.2f} | {total:.3f} | {median / total:.2f} | {together:.3f} | "
                         f"{p95(times['at once']):.3f} | {together / slowest:.2f} | {per_query:.3f} | "
                         f"{together / per_query:.2f} | {median / together:.2f}")
                checks.append(f"{name} {merged_recall:.3f}")
            else:
                extra = "- | - | - | - | - | - | - | - | - | -"
            print(f"| {name} | {len(shards)} | {median:.3f} | {p95(function):.3f} | {recall:.3f} | {extra} |")
        # The merge is checked, not trusted: its recall should be the function's.
        print(f"recall@10 of the at-once merge: {', '.join(checks)}; {os.cpu_count()} CPUs")
    finally:
        if not args.keep:
            cluster.down(purge=True)
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
