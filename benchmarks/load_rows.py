"""`vtopo load` throughput and memory: rows/s and peak RSS for two file sizes.

Starts one embedded PostgreSQL server, applies a topology with one collection
(dimension 384 by default), writes JSONL files of N/10 and N random vectors
with metadata, and loads each in a fresh process. Peak RSS is that process's
own maximum (ru_maxrss), so the two sizes compare directly: the loader
streams the file, so RSS should not grow with it.

Usage: python benchmarks/load_rows.py [--rows 100000] [--dimension 384] [--index none|hnsw]
                                      [--batch-size 5000] [--shared-buffers 1GB] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import yaml

from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.operations import apply_topology

SERVER = "bench_load"
# Runs in a fresh interpreter: load the file, report timings and this process's peak RSS.
DRIVER = """
import json, resource, sys
from pathlib import Path
from vtopo.load.loader import load_file
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology
topology, path, batch = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
report = load_file(resolve_topology(load_topology(topology)), "bench", path, batch_size=batch)
print(json.dumps({"rows": report.rows, "read_s": report.read_seconds, "write_s": report.write_seconds,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_topology(path: Path, dimension: int, index: str) -> None:
    topology = {
        "version": 1,
        "name": "bench-load",
        "databases": {"app": {"primary": True, "dsn": "${env:BENCH_LOAD_DSN}"}},
        "collections": {"bench": {"database": "app", "dimension": dimension, "index": {"method": index},
                                  "metadata": {"lang": {"type": "text", "index": True}}}},
    }
    path.write_text(yaml.safe_dump(topology, sort_keys=False))


def write_vectors(path: Path, rows: int, dimension: int) -> None:
    """Streamed to disk: the generator never holds the file either."""
    rng = random.Random(rows)
    with path.open("w") as out:
        for i in range(rows):
            vector = [round(rng.uniform(-1, 1), 6) for _ in range(dimension)]
            out.write(json.dumps({"id": f"doc-{i}", "vector": vector,
                                  "metadata": {"lang": ("en", "de", "fr")[i % 3], "n": i}}) + "\n")


def reset_collection(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE vecs.bench")


def run_load(topology: Path, data: Path, batch_size: int) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(topology), str(data), str(batch_size)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"load failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the larger file (the smaller has a tenth)")
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--index", choices=("none", "hnsw"), default="none",
                        help="vector index on the collection while loading (hnsw: every row updates the graph)")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--shared-buffers", default="1GB", help="server shared_buffers (an HNSW graph should fit)")
    parser.add_argument("--keep", action="store_true", help="keep the server and files")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vtopo-bench-load-"))
    os.chmod(workdir, 0o755)  # the embedded server may run as another system user
    cluster = LocalCluster(workdir / "servers", ServerOptions(fsync=False, shared_buffers=args.shared_buffers))
    try:
        print("starting an embedded server…", flush=True)
        [server] = cluster.up([SERVER])
        os.environ["BENCH_LOAD_DSN"] = server.dsn()
        topology = workdir / "topology.yaml"
        write_topology(topology, args.dimension, args.index)
        apply_topology(topology, approve=lambda plan: True)
        results = []
        for rows in (max(1, args.rows // 10), args.rows):
            data = workdir / f"vectors-{rows}.jsonl"
            began = time.perf_counter()
            write_vectors(data, rows, args.dimension)
            print(f"wrote {data.name} ({data.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - began:.0f} s; loading…",
                  flush=True)
            reset_collection(server.dsn())
            results.append({"rows": rows, "mb": data.stat().st_size / 1e6, **run_load(topology, data, args.batch_size)})
            data.unlink()
        report(results, args)
    finally:
        cluster.down(purge=not args.keep)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def report(results: list[dict], args: argparse.Namespace) -> None:
    print()
    print(f"dimension {args.dimension}, index {args.index}, batch size {args.batch_size}, "
          f"shared_buffers {args.shared_buffers}, {os.cpu_count()} CPUs")
    print(f"{'rows':>8} {'file MB':>8} {'read+stage s':>13} {'upsert s':>9} {'rows/s':>8} {'peak RSS MB':>12}")
    for r in results:
        total = r["read_s"] + r["write_s"]
        print(f"{r['rows']:>8} {r['mb']:>8.0f} {r['read_s']:>13.1f} {r['write_s']:>9.1f} "
              f"{r['rows'] / total:>8.0f} {r['peak_rss_mb']:>12.0f}")
    small, large = results
    print(f"peak RSS ratio {large['rows']} / {small['rows']} rows: {large['peak_rss_mb'] / small['peak_rss_mb']:.2f} "
          f"(file {large['mb'] / small['mb']:.0f}x larger; 1.0 = does not grow)")


if __name__ == "__main__":
    main()
