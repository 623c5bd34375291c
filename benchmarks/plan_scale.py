"""Plan and apply at scale: 3 databases × N collections each (default 300).

Starts three embedded PostgreSQL servers, writes a topology whose collections
are spread over a primary and two secondaries (secondary collections exposed
through the primary, with a promoted, indexed metadata field), then measures:

- catalog queries per database for a plan (must not grow with N: compared with N/10),
- first apply: wall time and statements per database,
- no-op plan and no-op apply wall time, in process and (plan) as a `vtopo plan` subprocess,
- CLI start-up: `vtopo --help` and `vtopo validate` wall time (subprocess, end to end).

Usage: python benchmarks/plan_scale.py [--collections 300] [--keep]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.operations.apply import ApplyOptions, apply_topology
from vtopo.operations.plan import make_plan
from vtopo.spec.names import owned_reader_role_name

DATABASES = ("bench_primary", "bench_left", "bench_right")
BENCH_DBNAME = "bench"  # the PostgreSQL database of every topology database, one per server
# Cluster-wide roles the benchmark leaves behind: the grantee and each secondary's reader role.
ROLES = ("bench_reader", *(owned_reader_role_name(db, BENCH_DBNAME) for db in DATABASES[1:]))
EXAMPLE = Path(__file__).resolve().parents[1] / "topology.example.yaml"
STARTUP_TARGET_S = 0.25  # `vtopo --help` and `vtopo validate` (issue 11)


def vtopo_command() -> list[str]:
    """The installed `vtopo` script beside this Python, else the same entry point through -c."""
    script = Path(sys.executable).with_name("vtopo")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from vtopo.cli import main; main()"]


def cli_seconds(*args: str, runs: int = 5, expect: int = 0) -> tuple[float, float]:
    """Median and best wall time of `vtopo ARGS` as a user runs it (a new process each time)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([*vtopo_command(), *args], capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        assert done.returncode == expect, f"vtopo {' '.join(args)} exited {done.returncode}: {done.stderr}"
    return statistics.median(times), min(times)


def write_topology(path: Path, per_database: int) -> None:
    collections = {}
    for db in DATABASES:
        for i in range(per_database):
            spec = {
                "database": db,
                "dimension": 8 + i % 5,
                "measure": ["cosine", "l2", "inner_product"][i % 3],
                "index": {"method": "hnsw"} if i % 2 else {"method": "ivfflat", "lists": 10},
                "metadata": {"tag": {"type": "text", "index": True}},
            }
            if db != DATABASES[0]:
                spec["expose"] = {"view": f"public.{db}_c{i}", "grant": ["bench_reader"]}
            collections[f"{db}_c{i}"] = spec
    topology = {
        "version": 1,
        "name": "bench",
        "databases": {
            DATABASES[0]: {"primary": True, "dsn": "${env:BENCH_PRIMARY_DSN}"},
            **{
                db: {"dsn": f"${{env:{db.upper()}_DSN}}", "fdw": {"password": f"${{env:{db.upper()}_FDW}}"}}
                for db in DATABASES[1:]
            },
        },
        "collections": collections,
    }
    path.write_text(yaml.safe_dump(topology, sort_keys=False))


def timed(action):
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def measure(topology_path: Path, label: str) -> dict:
    (plan, context), plan_seconds = timed(lambda: make_plan(topology_path))
    queries = {db: facts.queries for db, facts in context.facts.items()}
    statements = {db: sum(len(s.statements) for s in plan.steps if s.database == db) for db in DATABASES}
    outcome, apply_seconds = timed(lambda: apply_topology(topology_path, approve=lambda p: True, options=ApplyOptions(verify=False)))
    (noop_plan, noop_context), noop_plan_seconds = timed(lambda: make_plan(topology_path))
    assert noop_plan.is_empty, f"{label}: plan after apply is not empty: {noop_plan.summary()}"
    _, noop_apply_seconds = timed(lambda: apply_topology(topology_path, approve=lambda p: True, options=ApplyOptions(verify=False)))
    # End to end: start-up, file, every catalog read, the rendered plan; 0 = no changes.
    noop_plan_cli_seconds, _ = cli_seconds("plan", "-f", str(topology_path), "--detailed-exitcode", runs=3)
    validate_seconds, _ = cli_seconds("validate", "-f", str(topology_path), runs=3)
    return {
        "label": label,
        "changes": len(plan.changes),
        "queries": queries,
        "noop_queries": {db: f.queries for db, f in noop_context.facts.items()},
        "statements": statements,
        "plan_s": plan_seconds,
        "apply_s": apply_seconds,
        "noop_plan_s": noop_plan_seconds,
        "noop_apply_s": noop_apply_seconds,
        "noop_plan_cli_s": noop_plan_cli_seconds,
        "validate_s": validate_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--collections", type=int, default=300, help="collections per database")
    parser.add_argument("--keep", action="store_true", help="keep the servers' data directory")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="vtopo-bench-"))
    cluster = LocalCluster(workdir / "servers", ServerOptions(fsync=False, max_connections=200))
    try:
        print(f"starting {len(DATABASES)} embedded servers…", flush=True)
        servers = {s.name: s for s in cluster.up(DATABASES)}
        os.environ["BENCH_PRIMARY_DSN"] = servers[DATABASES[0]].dsn()
        for db in DATABASES[1:]:
            os.environ[f"{db.upper()}_DSN"] = servers[db].dsn()
            os.environ[f"{db.upper()}_FDW"] = f"pw-{db}"
        results = []
        for per_database in (max(1, args.collections // 10), args.collections):
            for server in servers.values():  # fresh databases and roles for each size
                with psycopg.connect(server.dsn(), autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(BENCH_DBNAME)))
                    for role in ROLES:
                        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DBNAME)))
                os.environ[_dsn_variable(server.name)] = server.dsn(BENCH_DBNAME)
            topology_path = workdir / f"topology-{per_database}.yaml"
            write_topology(topology_path, per_database)
            print(f"measuring {per_database} collections per database…", flush=True)
            results.append(measure(topology_path, f"{len(DATABASES)} × {per_database}"))
        startup = {
            "vtopo --help": cli_seconds("--help", runs=10),
            f"vtopo validate -f {EXAMPLE.name}": cli_seconds("validate", "-f", str(EXAMPLE), runs=10),
        }
        report(results, startup)
    finally:
        cluster.down(purge=not args.keep)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _dsn_variable(database: str) -> str:
    return "BENCH_PRIMARY_DSN" if database == DATABASES[0] else f"{database.upper()}_DSN"


def report(results: list[dict], startup: dict[str, tuple[float, float]]) -> None:
    print()
    print("in process (operations) and, for the no-op plan and validate, `vtopo` as a subprocess:")
    print(
        f"{'topology':<12} {'changes':>8} {'plan s':>8} {'apply s':>8} {'no-op plan s':>13} {'no-op apply s':>14}"
        f" {'CLI no-op plan s':>17} {'CLI validate s':>15}"
    )
    for r in results:
        print(
            f"{r['label']:<12} {r['changes']:>8} {r['plan_s']:>8.2f} {r['apply_s']:>8.2f} "
            f"{r['noop_plan_s']:>13.2f} {r['noop_apply_s']:>14.2f} {r['noop_plan_cli_s']:>17.2f} {r['validate_s']:>15.2f}"
        )
    print()
    print(f"{'CLI start-up (subprocess, 10 runs)':<46} {'median s':>9} {'best s':>7}  target")
    for label, (median, best) in startup.items():
        verdict = "ok" if median <= STARTUP_TARGET_S else "SLOW"
        print(f"{label:<46} {median:>9.3f} {best:>7.3f}  <= {STARTUP_TARGET_S} s {verdict}")
    print()
    print("catalog queries per database (plan) and statements per database (first apply):")
    for r in results:
        print(f"  {r['label']}: queries {r['noop_queries']}  statements {r['statements']}")
    small, large = results[0], results[-1]
    ratio = {db: large["noop_queries"][db] / small["noop_queries"][db] for db in DATABASES}
    print(f"queries ratio {large['label']} / {small['label']}: {ratio} (1.0 = constant)")
    print(f"no-op plan at {large['label']}: {large['noop_plan_s']:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
