"""Search through the primary vs directly on the secondary vs the guide's naive layout.

Starts two embedded servers (primary, secondary), lets vtopo wire a collection of
N vectors (default 100,000 × 384, clustered) on the secondary into the primary,
builds the naive layout next to it (a foreign server without `extensions`, a
foreign table over vecs.<name>, a view that extracts metadata on the primary), and
measures median and p95 latency of

  top-10        ORDER BY embedding <=> q LIMIT 10
  url = '/pK'   equality on a promoted metadata field
  filtered      metadata @> '{"year": Y}' (4% of rows) ORDER BY ... LIMIT 10

(a) directly on the secondary, (s) through vtopo's search function on the primary
(`match_docs`: what client libraries call; top-k and filtered top-k), (b) through vtopo's
exposed view on the primary (pinned statistics), (b') the same with use_remote_estimate,
(f) through a bare postgres_fdw foreign table over the same remote view (superuser
mapping, no view or grants on the primary: the least any postgres_fdw wiring costs),
(c) through the naive layout. Prints the table, the ratios b/a, f/a, b/f and c/a,
function/direct, and recall@10 against exact search (plain and filtered: direct, view, function).

Usage: python benchmarks/fdw_pushdown.py [--rows 100000] [--dim 384] [--repeat 200] [--m 16] [--ef-construction 128] [--ef-search 200] [--interleave] [--naive-repeat 3] [--shared-buffers 1GB]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import psycopg
import yaml

from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.operations import ApplyOptions, apply_topology

YEARS = 25  # a random year of 25: a year matches 4% of the rows, independent of the clusters
CLUSTERS = 100

# The search function answers searches only (it always orders by distance).
FUNCTION_QUERIES = {
    "top-10": "SELECT id, distance, metadata, url, year FROM public.match_docs(%(q)s::vector, 10)",
    "filtered top-10": "SELECT id, distance, metadata, url, year FROM public.match_docs(%(q)s::vector, 10, %(filter)s::jsonb)",
}

QUERIES = {
    # Searches return what the search function returns (id, distance, metadata, promoted fields).
    "top-10": "SELECT id, embedding <=> %(q)s::vector, metadata, url, year FROM {rel} ORDER BY embedding <=> %(q)s::vector LIMIT 10",
    "url = '/pK'": "SELECT id, url FROM {rel} WHERE url = %(url)s",
    "filtered top-10": "SELECT id, embedding <=> %(q)s::vector, metadata, url, year FROM {rel} WHERE metadata @> %(filter)s::jsonb "
    "ORDER BY embedding <=> %(q)s::vector LIMIT 10",
}

# The guide's layout, for comparison only (static SQL, no user input).
NAIVE_SETUP = """
CREATE SERVER naive_pod FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %(host)s, port %(port)s, dbname 'postgres');
CREATE USER MAPPING FOR CURRENT_USER SERVER naive_pod OPTIONS (user 'postgres', password %(password)s);
CREATE SCHEMA naive;
CREATE FOREIGN TABLE naive.docs (id varchar, vec vector(%(dim)s), metadata jsonb) SERVER naive_pod OPTIONS (schema_name 'vecs', table_name 'docs');
CREATE VIEW naive.docs_view AS SELECT id, vec AS embedding, metadata, metadata->>'url' AS url, (metadata->>'year')::int AS year FROM naive.docs;
"""

# Bare postgres_fdw over vtopo's remote view: the floor of any postgres_fdw wiring (same fetch_size).
BARE_SETUP = """
CREATE SERVER bare_pod FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host %(host)s, port %(port)s, dbname 'postgres', extensions 'vector', fetch_size '1000');
CREATE USER MAPPING FOR CURRENT_USER SERVER bare_pod OPTIONS (user 'postgres', password %(password)s);
CREATE SCHEMA bare;
CREATE FOREIGN TABLE bare.docs (id text, embedding vector(%(dim)s), metadata jsonb, url text, year integer)
  SERVER bare_pod OPTIONS (schema_name 'vtopo', table_name 'docs');
ANALYZE bare.docs;
"""

LOAD = """
SELECT setseed(0.42);  -- the same data on every run
CREATE TEMP TABLE centers AS
  SELECT c, array_agg(random() - 0.5 ORDER BY d) AS v FROM generate_series(0, {clusters} - 1) c, generate_series(1, {dim}) d GROUP BY c;
INSERT INTO vecs.docs (id, vec, metadata)
SELECT 'p' || i,
       (SELECT array_agg(ce.v[d] + (random() - 0.5) * 0.2 ORDER BY d) FROM generate_series(1, {dim}) d)::vector,
       jsonb_build_object('url', '/p' || i, 'year', 2000 + floor(random() * {years})::int)
FROM generate_series(1, {rows}) i JOIN centers ce ON ce.c = i % {clusters};
"""


def topology(dim: int, index: dict, ef_search: int) -> dict:
    return {
        "version": 1,
        "name": "pushdown-bench",
        "databases": {
            "app": {"primary": True, "dsn": "${env:BENCH_APP_DSN}"},
            "pod": {"dsn": "${env:BENCH_POD_DSN}", "fdw": {"password": "${env:BENCH_POD_FDW}"}},
        },
        "collections": {
            "docs": {
                "database": "pod",
                "dimension": dim,
                "measure": "cosine",
                "index": index,
                "metadata": {"url": {"type": "text", "index": True}, "year": {"type": "integer"}},
                **({"search": {"ef_search": ef_search, "iterative_scan": "strict_order"}} if index["method"] != "none" else {}),
                "expose": {"view": "public.docs", "grant": ["bench_reader"]},
            }
        },
    }


def apply(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    outcome = apply_topology(path, approve=lambda _: True, options=ApplyOptions(verify=False))
    assert outcome.result is None or not outcome.result.failed


def vector_text(values: list[float]) -> str:
    return "[" + ",".join(f"{v:.5f}" for v in values) + "]"


def timings(conn: psycopg.Connection, sql: str, params_list: list[dict]) -> list[float]:
    result = []
    for params in params_list:
        started = time.perf_counter()
        conn.execute(sql, params).fetchall()
        result.append((time.perf_counter() - started) * 1000)
    return result


def median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def distances(conn: psycopg.Connection, sql: str, params: dict) -> list[float]:
    return [float(row[1]) for row in conn.execute(sql, params).fetchall()]


def recall(approx: list[list[float]], exact: list[list[float]], k: int = 10) -> float:
    """ann-benchmarks' k-NN recall: a result counts when it is no farther than the exact k-th
    neighbour (with 1e-3 slack), so ties between equally near vectors are not counted as misses."""
    scores = []
    for found, truth in zip(approx, exact):
        if not truth:
            continue
        threshold = truth[min(k, len(truth)) - 1] * (1 + 1e-3) + 1e-9
        scores.append(sum(1 for d in found[:k] if d <= threshold) / min(k, len(truth)))
    return statistics.mean(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=200, help="queries per measurement")
    parser.add_argument("--m", type=int, default=16, help="HNSW m")
    parser.add_argument("--ef-construction", type=int, default=128, help="HNSW ef_construction")
    parser.add_argument("--ef-search", type=int, default=200,
                        help="hnsw.ef_search of the reader role (and direct); 100 gave recall@10 0.94-0.99 on this clustered data")
    parser.add_argument("--interleave", action="store_true",
                        help="alternate the layouts query by query (primary and secondary share this machine's CPUs, "
                        "so this also measures their interference)")
    parser.add_argument("--naive-repeat", type=int, default=3, help="queries per naive measurement (they are slow)")
    parser.add_argument("--shared-buffers", default="1GB", help="shared_buffers of both servers (the index must fit)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vtopo-pushdown-"))
    # The HNSW index (~200 MB at 100,000 × 384) must fit shared_buffers, as `vtopo capacity`
    # asks of a pod: with the 64 MB default, searches read from the OS cache and the order the
    # paths run in decided more than the paths did.
    cluster = LocalCluster(workdir / "servers", ServerOptions(fsync=False, shared_buffers=args.shared_buffers))
    try:
        servers = {s.name: s for s in cluster.up(["app", "pod"])}
        pod, app = servers["pod"], servers["app"]
        os.environ.update(BENCH_APP_DSN=app.dsn(), BENCH_POD_DSN=pod.dsn(), BENCH_POD_FDW="bench-fdw-pw")
        with psycopg.connect(pod.dsn(), autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET maintenance_work_mem = '2GB'")
            conn.execute("ALTER SYSTEM SET max_parallel_maintenance_workers = 2")
            conn.execute("SELECT pg_reload_conf()")
        path = workdir / "topology.yaml"
        print(f"wiring with vtopo, loading {args.rows} × {args.dim} vectors…", flush=True)
        apply(path, topology(args.dim, {"method": "none"}, args.ef_search))  # load before indexing: much faster
        started = time.perf_counter()
        with psycopg.connect(pod.dsn(), autocommit=True) as conn:
            conn.execute(LOAD.format(clusters=CLUSTERS, dim=args.dim, years=YEARS, rows=args.rows))
            conn.execute("VACUUM ANALYZE vecs.docs")
        print(f"  loaded in {time.perf_counter() - started:.0f}s; building HNSW through vtopo apply…", flush=True)
        started = time.perf_counter()
        apply(path, topology(args.dim, {"method": "hnsw", "m": args.m, "ef_construction": args.ef_construction}, args.ef_search))
        print(f"  index built online in {time.perf_counter() - started:.0f}s", flush=True)
        with psycopg.connect(app.dsn(), autocommit=True) as conn:  # vtopo pinned vtopo.docs's statistics
            with psycopg.ClientCursor(conn) as cursor:  # DDL takes no server-side parameters
                setup = {"host": pod.host, "port": str(pod.port), "password": pod.password, "dim": args.dim}
                cursor.execute(NAIVE_SETUP, setup)
                cursor.execute(BARE_SETUP, setup)
        run(app, pod, args)
    finally:
        cluster.down(purge=True)
        shutil.rmtree(workdir, ignore_errors=True)


def workload(conn: psycopg.Connection, args: argparse.Namespace) -> list[dict]:
    generator = random.Random(7)
    samples = conn.execute("SELECT vec::text FROM vecs.docs TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT %s", (args.repeat,)).fetchall()
    params = []
    for position, (text,) in enumerate(samples):
        base = [float(x) for x in text.strip("[]").split(",")]
        q = vector_text([x + generator.uniform(-0.05, 0.05) for x in base])
        params.append({"q": q, "url": f"/p{generator.randint(1, args.rows)}", "filter": f'{{"year": {2000 + position % YEARS}}}'})
    return params


def run(app, pod, args: argparse.Namespace) -> None:
    direct = psycopg.connect(pod.dsn(), autocommit=True)  # psycopg prepares a statement run 5 times: the floor
    # What the Vecs client (psycopg2 through SQLAlchemy) sends: every query parsed and planned anew.
    unprepared = psycopg.connect(pod.dsn(), autocommit=True, prepare_threshold=None)
    primary = psycopg.connect(app.dsn(), autocommit=True)
    # Direct queries use what the reader role uses behind the FDW.
    for conn in (direct, unprepared):
        conn.execute(f"SET hnsw.ef_search = {args.ef_search}")
        conn.execute("SET hnsw.iterative_scan = strict_order")
    # The bare mapping logs in as the superuser: give its sessions the reader role's settings.
    direct.execute(f"ALTER ROLE postgres SET hnsw.ef_search = {args.ef_search}")
    direct.execute("ALTER ROLE postgres SET hnsw.iterative_scan = strict_order")
    direct.execute("ALTER ROLE postgres SET cursor_tuple_fraction = 1")
    params = workload(direct, args)
    layouts = {
        "direct": (direct, "vtopo.docs"),
        "direct unprepared": (unprepared, "vtopo.docs"),
        "vtopo": (primary, "public.docs"),
        "bare fdw": (primary, "bare.docs"),
        "naive": (primary, "naive.docs_view"),
    }
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for name, sql in QUERIES.items():
        fast = {layout: (conn, sql.format(rel=rel)) for layout, (conn, rel) in layouts.items() if layout != "naive"}
        if name in FUNCTION_QUERIES:
            fast["function"] = (primary, FUNCTION_QUERIES[name])
        for conn, text in fast.values():
            timings(conn, text, params[:2])  # warm caches and FDW connections
        measured: dict[str, list[float]] = {layout: [] for layout in fast}
        if args.interleave:  # one query per layout in turn: drifts of a shared machine hit all alike
            for one in params:
                for layout, (conn, text) in fast.items():
                    measured[layout] += timings(conn, text, [one])
        else:  # all queries of one layout back to back: no cross-talk between the servers' processes
            for layout, (conn, text) in fast.items():
                measured[layout] = timings(conn, text, params)
        row = {layout: median_p95(values) for layout, values in measured.items()}
        naive_conn, naive_rel = layouts["naive"]
        row["naive"] = median_p95(timings(naive_conn, sql.format(rel=naive_rel), params[: args.naive_repeat]))
        primary.execute("ALTER SERVER vtopo_pod OPTIONS (SET use_remote_estimate 'true')")
        timings(primary, sql.format(rel="public.docs"), params[:2])
        row["vtopo+remote_estimate"] = median_p95(timings(primary, sql.format(rel="public.docs"), params))
        primary.execute("ALTER SERVER vtopo_pod OPTIONS (SET use_remote_estimate 'false')")
        table[name] = row

    print()
    print(f"{args.rows} × {args.dim}, HNSW m={args.m} ef_construction={args.ef_construction}, ef_search={args.ef_search}; "
          f"{args.repeat} queries{', interleaved' if args.interleave else ''}; median / p95 in ms")
    columns = ["direct", "direct unprepared", "function", "vtopo", "vtopo+remote_estimate", "bare fdw", "naive"]
    ratios = {"function/direct": ("function", "direct"), "p95 f/d": ("function", "direct"),
              "f/unprepared": ("function", "direct unprepared"), "vtopo/direct": ("vtopo", "direct"),
              "bare/direct": ("bare fdw", "direct"), "vtopo/bare": ("vtopo", "bare fdw"), "naive/direct": ("naive", "direct")}
    print(f"{'query':<16}" + "".join(f"{c:>24}" for c in columns) + "".join(f"{r:>16}" for r in ratios))
    for name, row in table.items():
        cells = "".join(f"{row[c][0]:>14.2f} / {row[c][1]:<7.2f}" if c in row else f"{'—':>24}" for c in columns)
        shown = []
        for label, (a, b) in ratios.items():
            position = 1 if label.startswith("p95") else 0
            shown.append(f"{row[a][position] / row[b][position]:>16.2f}" if a in row else f"{'—':>16}")
        print(f"{name:<16}{cells}" + "".join(shown))
    print("bare fdw: a plain postgres_fdw foreign table over the same remote view; its time above direct is "
          "postgres_fdw's own per-query cost (remote transaction, DECLARE/FETCH/CLOSE, COMMIT round trips)")

    exact = psycopg.connect(pod.dsn(), autocommit=True)
    exact.execute("SET enable_indexscan = off")  # exact search: sequential scan and sort
    plain, filtered = QUERIES["top-10"], QUERIES["filtered top-10"]
    truth = {k: [distances(exact, q.format(rel="vtopo.docs"), p) for p in params] for k, q in (("plain", plain), ("filtered", filtered))}
    print()
    for kind, sql, function_sql in (("plain", plain, FUNCTION_QUERIES["top-10"]), ("filtered", filtered, FUNCTION_QUERIES["filtered top-10"])):
        paths = {layout: (layouts[layout][0], sql.format(rel=layouts[layout][1])) for layout in ("direct", "vtopo")}
        paths["function"] = (primary, function_sql)
        for layout, (conn, text) in paths.items():
            found = [distances(conn, text, p) for p in params]
            print(f"recall@10 {kind:<8} {layout:<8}: {recall(found, truth[kind]):.3f}   (rows returned: min {min(map(len, found))})")


if __name__ == "__main__":
    main()
