"""Online index replacement under load: how long does the workload stall?

Starts two embedded servers (primary `app`, secondary `pod`), lets vtopo create a collection of
N vectors on the secondary, exposed on the primary, with a small HNSW index; then, while client
threads keep running

  read (direct)    top-10 by cosine distance on vecs.<name> (the secondary)
  read (primary)   top-10 through the primary's exposed view (postgres_fdw)
  upsert           INSERT ... ON CONFLICT (id) DO UPDATE of a random row (or a new one)

it runs `vtopo apply` for a topology whose index has other HNSW parameters, which vtopo
replaces online (CREATE INDEX CONCURRENTLY, check, DROP INDEX CONCURRENTLY). Every client
session has lock_timeout = 1s: being blocked by the apply would show up as an error.

Reports the apply's duration, operations per kind (and how many ran while the new index was
being built), errors, latency p50 / p99 / max per kind and the longest stall: the longest
time any client waited for one operation, and the longest gap in which no operation finished.

Usage: python benchmarks/apply_under_load.py [--rows 100000] [--dim 16] [--readers 2] [--writers 2] [--json]
tests/hardening/test_online_load.py runs the same code on the test servers (small and, marked
slow, 100,000 rows).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml

COLLECTION = "docs"
BEFORE = {"method": "hnsw", "m": 4, "ef_construction": 8}
AFTER = {"method": "hnsw", "m": 16, "ef_construction": 64}
LOAD = (
    "INSERT INTO vecs.{name} (id, vec, metadata) SELECT 'p' || i,"
    " (SELECT array_agg(random() - 0.5)::vector({dim}) FROM generate_series(1, {dim}) WHERE i > 0),"
    " jsonb_build_object('tag', 't' || (i % 50)) FROM generate_series(1, {rows}) i"
)


def topology(index: dict[str, Any], dim: int, *, pod_fdw: dict[str, Any] | None = None) -> dict[str, Any]:
    """app (primary) and pod (secondary, holding `docs`, exposed as public.docs)."""
    return {
        "version": 1,
        "name": "apply-under-load",
        "databases": {
            "app": {"primary": True, "dsn": "${env:LOAD_APP_DSN}"},
            "pod": {"dsn": "${env:LOAD_POD_DSN}", "fdw": {"password": "${env:LOAD_POD_FDW_PASSWORD}", **(pod_fdw or {})}},
        },
        "collections": {
            COLLECTION: {
                "database": "pod", "dimension": dim, "measure": "cosine", "index": index,
                "metadata": {"tag": {"type": "text", "index": True}},
                "expose": {"view": f"public.{COLLECTION}"},
            }
        },
    }


def vtopo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess (as an operator would run it next to a busy application)."""
    return subprocess.run(
        [sys.executable, "-c", "from vtopo.cli import main; main()", *args],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=3600,
    )


def apply(path: Path, data: dict[str, Any], env: dict[str, str]) -> float:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    began = time.monotonic()
    done = vtopo("apply", "-f", str(path), "--auto-approve", "--no-check", env=env)
    if done.returncode != 0:
        raise RuntimeError(f"vtopo apply failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - began


@dataclass(eq=False)
class Client(threading.Thread):
    """One client session running one kind of operation in a loop until stopped."""

    kind: str
    dsn: str
    dim: int
    rows: int
    stop: threading.Event
    seed: int
    pause: float = 0.005  # think time between operations: a few busy clients, not a CPU hog
    latencies: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    during_build: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(daemon=True, name=f"load-{self.kind}-{self.seed}")
        self.random = random.Random(self.seed)

    def vector(self) -> str:
        return "[" + ",".join(f"{self.random.random() - 0.5:.4f}" for _ in range(self.dim)) + "]"

    def operation(self, conn: psycopg.Connection) -> None:
        if self.kind == "read (direct)":
            found = conn.execute(f"SELECT id FROM vecs.{COLLECTION} ORDER BY vec <=> %s::vector LIMIT 10", (self.vector(),)).fetchall()
            assert len(found) == 10, found
        elif self.kind == "read (primary)":
            found = conn.execute(f"SELECT id FROM public.{COLLECTION} ORDER BY embedding <=> %s::vector LIMIT 10", (self.vector(),)).fetchall()
            assert len(found) == 10, found
        else:
            row = f"p{self.random.randint(1, self.rows)}" if self.random.random() < 0.8 else f"new-{self.seed}-{len(self.latencies)}"
            conn.execute(
                f"INSERT INTO vecs.{COLLECTION} (id, vec, metadata) VALUES (%s, %s::vector, %s::jsonb)"
                " ON CONFLICT (id) DO UPDATE SET vec = EXCLUDED.vec, metadata = EXCLUDED.metadata",
                (row, self.vector(), json.dumps({"tag": "upserted"})),
            )

    def run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn, psycopg.connect(self.dsn, autocommit=True) as probe:
            conn.execute("SET lock_timeout = '1s'")
            conn.execute("SET statement_timeout = '60s'")
            if self.kind == "read (direct)":
                # Rows updated under an HNSW scan can leave fewer than k candidates (pgvector's
                # iterative scan goes on looking); through the primary, vtopo sets it on the reader role.
                conn.execute("SET hnsw.iterative_scan = 'relaxed_order'")
            while not self.stop.is_set():
                began = time.monotonic()
                try:
                    self.operation(conn)
                except (psycopg.Error, AssertionError) as error:
                    self.errors.append(f"{self.kind}: {type(error).__name__}: {str(error).strip()[:200]}")
                    time.sleep(0.05)
                    continue
                ended = time.monotonic()
                self.latencies.append(ended - began)
                self.finished_at.append(ended)
                time.sleep(self.pause)
                if self.kind != "read (primary)" and len(self.latencies) % 10 == 0:
                    building = probe.execute("SELECT count(*) FROM pg_stat_progress_create_index").fetchone()[0]
                    self.during_build += 10 if building else 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run_under_load(
    workdir: Path, env: dict[str, str], *, app_dsn: str, pod_dsn: str, rows: int, dim: int,
    readers: int = 2, writers: int = 2, settle: float = 0.5, pause: float = 0.005, pod_fdw: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create and fill the collection, then replace its index online while clients run."""
    path = workdir / "topology.yaml"
    apply(path, topology({"method": "none"}, dim, pod_fdw=pod_fdw), env)
    with psycopg.connect(pod_dsn, autocommit=True) as conn:
        conn.execute(LOAD.format(name=COLLECTION, dim=dim, rows=rows))
        conn.execute(f"ANALYZE vecs.{COLLECTION}")
    apply(path, topology(BEFORE, dim, pod_fdw=pod_fdw), env)
    # After a bulk load, as the README says: refresh the foreign table's statistics.
    vtopo("check", "-f", str(path), "--analyze", env=env)

    stop = threading.Event()
    kinds = ["read (direct)"] * max(1, readers - 1) + ["read (primary)"] * (1 if readers > 1 else 0) + ["upsert"] * writers
    clients = [Client(kind, app_dsn if kind == "read (primary)" else pod_dsn, dim, rows, stop, seed, pause)
               for seed, kind in enumerate(kinds)]
    for client in clients:
        client.start()
    time.sleep(settle)
    began = time.monotonic()
    try:
        seconds = apply(path, topology(AFTER, dim, pod_fdw=pod_fdw), env)
        time.sleep(settle)
    finally:
        stop.set()
        for client in clients:
            client.join(timeout=120)
    finished = sorted(t for client in clients for t in client.finished_at if t >= began)
    gaps = [b - a for a, b in zip([began, *finished], [*finished, time.monotonic()])]
    report: dict[str, Any] = {
        "rows": rows, "dim": dim, "clients": len(clients), "apply_seconds": round(seconds, 2),
        "errors": [error for client in clients for error in client.errors],
        "longest_operation_ms": round(1000 * max((max(c.latencies, default=0) for c in clients), default=0), 1),
        "longest_gap_without_a_finished_operation_ms": round(1000 * max(gaps, default=0), 1),
        "operations_during_build": sum(c.during_build for c in clients),
        "kinds": {},
    }
    for kind in dict.fromkeys(kinds):
        latencies = [value for client in clients if client.kind == kind for value in client.latencies]
        report["kinds"][kind] = {
            "operations": len(latencies),
            "p50_ms": round(1000 * statistics.median(latencies), 2) if latencies else None,
            "p99_ms": round(1000 * percentile(latencies, 0.99), 2),
            "max_ms": round(1000 * max(latencies, default=0), 1),
        }
    return report


def print_report(report: dict[str, Any]) -> None:
    print(f"online index replacement on {report['rows']:,} x {report['dim']} rows, {report['clients']} clients")
    print(f"  apply (CREATE INDEX CONCURRENTLY m=16 ef_construction=64, check, DROP INDEX CONCURRENTLY): {report['apply_seconds']} s")
    print(f"  errors: {len(report['errors'])}" + "".join(f"\n    {e}" for e in report["errors"][:5]))
    print(f"  operations while the new index was being built: {report['operations_during_build']}")
    print(f"  {'kind':<16} {'ops':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, row in report["kinds"].items():
        print(f"  {kind:<16} {row['operations']:>7} {row['p50_ms'] or 0:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    print(f"  longest stall: {report['longest_operation_ms']} ms for one operation; "
          f"{report['longest_gap_without_a_finished_operation_ms']} ms without any operation finishing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=16)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args()

    from vtopo.local.cluster import LocalCluster
    from vtopo.local.embedded import ServerOptions

    workdir = Path(tempfile.mkdtemp(prefix="vtopo-load-"))
    cluster = LocalCluster(workdir / "servers", ServerOptions(fsync=False))
    try:
        servers = {s.name: s for s in cluster.up(["app", "pod"])}
        app, pod = servers["app"].dsn(), servers["pod"].dsn()
        env = {"LOAD_APP_DSN": app, "LOAD_POD_DSN": pod, "LOAD_POD_FDW_PASSWORD": "load-fdw-pw"}
        report = run_under_load(workdir, env, app_dsn=app, pod_dsn=pod, rows=args.rows, dim=args.dim,
                                readers=args.readers, writers=args.writers)
    finally:
        cluster.down(purge=True)
        shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_report(report)


if __name__ == "__main__":
    main()
