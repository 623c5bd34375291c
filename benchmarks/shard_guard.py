"""What a shard's write guard costs a write: binary COPY of the same rows into a shard's table
with and without its guard (kinds/shard_guard.py, rendered from its template as apply makes
it), in turn, on one embedded server.

The guard's triggers test a row's bucket in their WHEN (one md5 and one bit per row); the
floor is the same COPY into the same table without them.

Usage: python benchmarks/shard_guard.py [--rows 100000] [--dimension 384] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg

from vtopo import kinds
from vtopo.catalog.names import BUCKETS
from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.render.statements import render_sql

COLLECTION = "notes"


def encoded_rows(rows: int, dimension: int) -> bytes:
    """The rows as one COPY binary stream (header, tuples, trailer), encoded before timing."""
    rng = np.random.default_rng(3)
    vectors = rng.uniform(-1, 1, (rows, dimension)).astype(">f4")
    head = struct.pack(">i", 4 + 4 * dimension) + struct.pack(">hh", dimension, 0)
    metadata = b"\x01{}"
    parts = [b"PGCOPY\n\xff\r\n\0" + struct.pack(">ii", 0, 0)]
    for row in range(rows):
        row_id = f"doc-{row}".encode()
        parts += (struct.pack(">hi", 3, len(row_id)), row_id, head, vectors[row].tobytes(), struct.pack(">i", len(metadata)), metadata)
    parts.append(struct.pack(">h", -1))
    return b"".join(parts)


def fresh_table(conn: psycopg.Connection, dimension: int, guarded: bool) -> None:
    conn.execute(f"DROP TABLE IF EXISTS vecs.{COLLECTION}")  # static names, no user input
    conn.execute(f"CREATE TABLE vecs.{COLLECTION} (id varchar PRIMARY KEY, vec vector({dimension}) NOT NULL, "
                 "metadata jsonb NOT NULL DEFAULT '{}')")
    if guarded:  # a shard that holds every bucket: every row passes its guard's test
        guard = kinds.shard_guard.new("pod", COLLECTION, writable=list(range(BUCKETS)), frozen=[])
        for statement in render_sql(guard, "create", reveal=True):
            conn.execute(statement)
    conn.execute("CHECKPOINT")


def timed_copy(conn: psycopg.Connection, data: bytes) -> float:
    started = time.perf_counter()
    with conn.cursor().copy(f"COPY vecs.{COLLECTION} (id, vec, metadata) FROM STDIN (FORMAT BINARY)") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start:start + (1 << 20)])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vtopo-bench-guard-"))
    cluster = LocalCluster(root / "servers", ServerOptions(fsync=False, shared_buffers="1GB"))
    try:
        (server,) = cluster.up(["guard"])
        data = encoded_rows(args.rows, args.dimension)
        times: dict[bool, list[float]] = {False: [], True: []}
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            for statement in ("CREATE EXTENSION vector", "CREATE SCHEMA vecs", "CREATE SCHEMA vtopo"):
                conn.execute(statement)
            for _ in range(args.repeat):
                for guarded in (False, True):  # in turn, so drifts of the machine hit both alike
                    fresh_table(conn, args.dimension, guarded)
                    times[guarded].append(timed_copy(conn, data))
        bare, guarded = statistics.median(times[False]), statistics.median(times[True])
        print(f"\n{args.rows:,} rows x {args.dimension}, binary COPY, median of {args.repeat} runs each, in turn")
        print("| table | seconds | rows/s | of the bare table's rate |")
        print("|---|---|---|---|")
        print(f"| bare (the floor) | {bare:.3f} | {args.rows / bare:,.0f} | 1.00 |")
        print(f"| with the shard's write guard | {guarded:.3f} | {args.rows / guarded:,.0f} | {bare / guarded:.2f} |")
    finally:
        cluster.down(purge=True)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
