"""`vtopo load` against the server's own speed, in one run on one embedded server.

Measures, for the same N random rows (384 dimensions by default):
- the floor: raw binary COPY of pre-encoded rows into a bare table of the collection's
  shape (id varchar primary key, vec, metadata jsonb), psycopg, encoded with NumPy
  beforehand, so only the server's work and the wire are timed;
- the issue's floor beside it: the same COPY with the encoding timed too (the rows in
  memory as ids, a float matrix and metadata dicts, encoded a chunk at a time with NumPy
  while copying, one thread): what a client that parses nothing can reach;
- `vtopo load` of the rows as JSONL and CSV (each read by two worker processes, load/parallel.py,
  and once more by one process alone) and Parquet (fixed_size_list<float32>) into an
  empty collection of the same shape (no vector index, no GIN index), as rows/s and
  as a ratio of the floor;
- a first load (JSONL) into an empty HNSW collection against COPY + CREATE INDEX of the
  same rows with the same maintenance_work_mem and parallel workers; the index is
  checked valid and `vtopo plan` empty afterwards;
- peak RSS of a load process (JSONL) and of the workers it forks to read a large file's parts
  (load/parallel.py; the larger of the two), at N and at --rss-rows rows (default 10 N): the
  reader streams the file, so it should not grow (the process's own VmHWM: ru_maxrss
  would include the benchmark's memory, which Linux carries over fork and exec);
- the client parse ceiling (no database): the time to do nothing but parse the same files,
  in one process and in two at once (each over half the file's bytes, cut at a line start;
  aggregate rows/s): JSONL as simdjson's parse of every line and its vector's buffer (what the
  loader does first) and as orjson.loads (its strict path), read in the loader's 256 KB blocks;
  CSV through the csv module over the text, orjson.loads of both cells, and through the
  loader's own reader (the vector cell cut out without csv), simdjson for the vector cell and
  orjson for the metadata; one and two processes in turn. Beside the rows/s: the
  ratio to both floors, what `vtopo load` of that file reaches of it, and how two processes
  scale over one (2.0: two free CPUs; ~1.0: one), with a pure-Python loop for the CPUs alone.
  A load that parses in one process is no faster than that parse; one that splits it, no
  faster than two processes' parse, and the server's COPY wants a CPU of the same two.

Every load and every parse runs in a fresh interpreter, so its peak RSS (ru_maxrss) and its
timings are its own.

Usage: python benchmarks/load_rows.py [--rows 100000] [--dimension 384] [--rss-rows 1000000]
                                      [--batch-size 2000] [--repeat 3] [--shared-buffers 1GB] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import orjson
import psycopg
import yaml

from vtopo.local.cluster import LocalCluster
from vtopo.local.embedded import ServerOptions
from vtopo.operations import apply_topology

SERVER = "bench_load"
CHUNK = 10_000  # rows generated (and COPYed for the floor) at a time
# Runs in a fresh interpreter: load the file, report timings and this process's peak RSS.
DRIVER = """
import json, resource, sys
from pathlib import Path
from vtopo.operations.load import load_file
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology
topology, collection, path, batch = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
report = load_file(resolve_topology(load_topology(topology)), collection, path, batch_size=batch)
def peak_rss_mb():
    # Linux carries ru_maxrss over fork and exec: it would report the benchmark's own peak (the
    # rows it holds in memory). VmHWM is this process image's own high-water mark.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": report.rows, "read_s": report.read_seconds, "write_s": report.write_seconds,
                  "index_s": report.index_seconds, "seconds": report.seconds, "staged": report.staged,
                  "index": report.index_built, "peak_rss_mb": peak_rss_mb(),
                  # the worker a large JSONL first load forks (load/parallel.py): its own peak
                  "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""

# Runs in a fresh interpreter: parse bytes [start, end) of a file (or spin `end` loops), nothing else.
# Prints "ready" once set up and starts on a line from stdin, so processes run side by side.
PARSER = """
import csv, io, json, sys, time
import orjson, simdjson
from vtopo.load.csv_records import CsvRecords
from vtopo.load.lines import read_lines
reader, path, start, end = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
csv.field_size_limit(64 * 1024 * 1024)  # as the loader: a vector cell is longer than csv's default allows

class Window(io.RawIOBase):
    # The file's bytes [start, end) and no more: each process reads its own part.
    def __init__(self):
        self.file = open(path, "rb", buffering=0)
        self.file.seek(start)
        self.left = end - start
    def readable(self):
        return True
    def readinto(self, buffer):
        count = self.file.readinto(memoryview(buffer)[:self.left])
        self.left -= count
        return count

def jsonl_blocks(stream):
    rows = 0
    for lines in read_lines(stream):
        for line in lines:
            if line:  # the empty piece after a block's last newline
                orjson.loads(line)
                rows += 1
    return rows

def jsonl_simd(stream):
    parser = simdjson.Parser()
    rows = 0
    for lines in read_lines(stream):
        for line in lines:
            if line:
                bytes(parser.parse(line)["vector"].as_buffer(of_type="d"))
                rows += 1
    return rows

def cells(records):
    rows = 0
    for row in records:
        orjson.loads(row[1])
        orjson.loads(row[2])
        rows += 1
    return rows

def csv_text(stream):
    records = csv.reader(io.TextIOWrapper(stream, encoding="utf-8", newline=""))
    if start == 0:
        next(records)  # the header
    return cells(records)

def csv_records(stream):
    records = CsvRecords(stream)
    if start == 0:
        records.header()
    return cells(row for _, row in records)

def csv_records_simd(stream):
    records = CsvRecords(stream)
    if start == 0:
        records.header()
    parser = simdjson.Parser()
    rows = 0
    for _, row in records:
        bytes(parser.parse(row[1]).as_buffer(of_type="d"))
        orjson.loads(row[2])
        rows += 1
    return rows

def loop(stream):
    total = 0
    for i in range(end):
        total += i
    return end

stream = io.BufferedReader(Window(), 256 * 1024) if reader != "loop" else None
parse = globals()[reader]
print("ready", flush=True)
sys.stdin.readline()
began = time.perf_counter()  # CLOCK_MONOTONIC: one clock for every process on Linux
rows = parse(stream)
print(json.dumps({"rows": rows, "began": began, "ended": time.perf_counter()}))
"""
# (label, parser in PARSER, file) of the parse ceilings: the loader's reading and the plainer one for each file.
PARSES = [("simdjson parse of each line and its vector's float64 buffer (the loader's parse), 256 KB blocks",
           "jsonl_simd", "jsonl"),
          ("orjson.loads of each line (the loader's strict path), 256 KB blocks", "jsonl_blocks", "jsonl"),
          ("csv module over the text, orjson.loads of vector and metadata", "csv_text", "csv"),
          ("the loader's CSV reader (vector cell cut out), simdjson for the vector, orjson for metadata",
           "csv_records_simd", "csv")]
LOOPS = 20_000_000  # iterations of the pure-Python loop: long enough that the two processes' start skew is noise


def write_topology(path: Path, dimension: int) -> None:
    plain = {"database": "app", "dimension": dimension, "index": {"method": "none"}, "gin_index": False}
    topology = {
        "version": 1,
        "name": "bench-load",
        "databases": {"app": {"primary": True, "dsn": "${env:BENCH_LOAD_DSN}"}},
        "collections": {"bench": plain, "bench_hnsw": {**plain, "index": {"method": "hnsw", "m": 16, "ef_construction": 64}}},
    }
    path.write_text(yaml.safe_dump(topology, sort_keys=False))


def chunks(rows: int, dimension: int, seed: int = 7):
    """(ids, float32 matrix rounded to 6 places, metadata dicts) CHUNK rows at a time: never the whole file."""
    rng = np.random.default_rng(seed)
    for start in range(0, rows, CHUNK):
        count = min(CHUNK, rows - start)
        matrix = np.round(rng.uniform(-1, 1, (count, dimension)), 6)
        ids = [f"doc-{i}" for i in range(start, start + count)]
        metadata = [{"lang": ("en", "de", "fr")[i % 3], "n": i} for i in range(start, start + count)]
        yield ids, matrix, metadata


def write_jsonl(path: Path, rows: int, dimension: int) -> None:
    with path.open("wb") as out:
        for ids, matrix, metadata in chunks(rows, dimension):
            out.write(b"".join(orjson.dumps({"id": i, "vector": v, "metadata": m}, option=orjson.OPT_SERIALIZE_NUMPY)
                               + b"\n" for i, v, m in zip(ids, matrix, metadata)))


def write_csv(path: Path, rows: int, dimension: int) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "vector", "metadata"])
        for ids, matrix, metadata in chunks(rows, dimension):
            writer.writerows((i, orjson.dumps(v, option=orjson.OPT_SERIALIZE_NUMPY).decode(), orjson.dumps(m).decode())
                             for i, v, m in zip(ids, matrix, metadata))


def write_parquet(path: Path, rows: int, dimension: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("id", pa.string()), ("vector", pa.list_(pa.float32(), dimension)), ("metadata", pa.string())])
    with pq.ParquetWriter(path, schema) as writer:
        for ids, matrix, metadata in chunks(rows, dimension):
            vectors = pa.FixedSizeListArray.from_arrays(pa.array(matrix.astype(np.float32).ravel()), dimension)
            writer.write_table(pa.table({"id": ids, "vector": vectors, "metadata": [orjson.dumps(m).decode() for m in metadata]},
                                        schema=schema))


def encode_chunk(ids, matrix, metadata) -> bytes:
    from vtopo.vectors.batch import RowBatch
    from vtopo.vectors.shape import VectorShape

    batch = RowBatch(VectorShape(matrix.shape[1]))
    batch.add_matrix(0, ids, metadata, matrix)
    return batch.encode(None)


def encoded_chunks(rows: int, dimension: int) -> list[bytes]:
    """The floor's input: COPY binary tuples (id, vec, metadata), encoded before the clock starts."""
    return [encode_chunk(*chunk) for chunk in chunks(rows, dimension)]


def raw_copy(dsn: str, dimension: int, encoded, encode=None) -> float:
    """Seconds to COPY the chunks into a fresh bare table; `encode` (if given) turns each chunk into
    COPY tuples inside the timed loop."""
    from vtopo.vectors.copy_binary import HEADER, TRAILER

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_raw")
        conn.execute(f"CREATE TABLE bench_raw (id varchar PRIMARY KEY, vec vector({dimension}) NOT NULL, metadata jsonb NOT NULL)")
        began = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY bench_raw (id, vec, metadata) FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(HEADER)
            for data in encoded:
                copy.write(encode(*data) if encode else data)
            copy.write(TRAILER)
        return time.perf_counter() - began


def create_index(dsn: str, settings: dict[str, str]) -> float:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, false)", (name, value))
        began = time.perf_counter()
        conn.execute("CREATE INDEX ON bench_raw USING hnsw (vec vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
        return time.perf_counter() - began


def load_settings(topology: Path, dsn: str, rows: int, dimension: int) -> dict[str, str]:
    """What `vtopo load` sets for its build of rows x dimension, so the baseline builds alike."""
    from vtopo.catalog.model import ObjectKind, key_of
    from vtopo.desired.build import build_desired
    from vtopo.load.index import BuildSettings, build_settings
    from vtopo.spec.loader import load_topology
    from vtopo.vectors.shape import VectorShape

    desired = build_desired(load_topology(topology)).get(key_of("app", ObjectKind.vector_index, "bench_hnsw"))
    with psycopg.connect(dsn, autocommit=True) as conn:
        return build_settings(conn, desired, rows, VectorShape(dimension).stored_bytes, BuildSettings())


# The same load read by this process alone (load/parallel.py's split off): what two workers gain.
ONE_PROCESS = "import vtopo.load.parallel as parallel\nparallel.PARALLEL_BYTES = 1 << 62\n"


def run_load(topology: Path, collection: str, data: Path, batch_size: int, *, one_process: bool = False) -> dict:
    driver = (ONE_PROCESS if one_process else "") + DRIVER
    done = subprocess.run([sys.executable, "-c", driver, str(topology), collection, str(data), str(batch_size)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"load failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def halves(path: Path) -> list[tuple[int, int]]:
    """The file's bytes in two at the first line start from the middle on: neither part cuts a line."""
    size = path.stat().st_size
    with path.open("rb") as stream:
        stream.seek(size // 2)
        stream.readline()
        middle = stream.tell()
    return [(0, middle), (middle, size)]


def run_parsers(parser: str, path: Path | None, parts: list[tuple[int, int]]) -> dict:
    """One fresh interpreter per part, all started at once once all are ready: rows and the seconds
    from the first start to the last end."""
    command = [sys.executable, "-c", PARSER, parser, str(path or "-")]
    processes = [subprocess.Popen(command + [str(start), str(end)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for start, end in parts]
    if not all(process.stdout.readline().strip() == "ready" for process in processes):
        raise SystemExit(f"parse failed:\n{''.join(process.communicate()[1] for process in processes)}")
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    outputs = [process.communicate() for process in processes]
    if any(process.returncode for process in processes):
        raise SystemExit(f"parse failed:\n{''.join(error for _, error in outputs)}")
    runs = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    return {"rows": sum(run["rows"] for run in runs), "processes": len(parts),
            "seconds": max(run["ended"] for run in runs) - min(run["began"] for run in runs)}


def best_parse(parser: str, path: Path | None, splits: list[list[tuple[int, int]]], repeat: int,
               rows: list[int]) -> list[dict]:
    """The best of `repeat` runs of each split (its parts at once), the splits in turn within each
    repeat, so drifts of the shared CPUs hit them alike; each run must parse its rows exactly."""
    runs: list[list[dict]] = [[] for _ in splits]
    for _ in range(repeat):
        for done, parts, expected in zip(runs, splits, rows):
            done.append(run_parsers(parser, path, parts))
            if done[-1]["rows"] != expected:  # the parts must cover every row once
                raise SystemExit(f"{parser} over {len(parts)} part(s) parsed {done[-1]['rows']:,} rows, not {expected:,}")
    return [min(done, key=lambda run: run["seconds"]) for done in runs]


def parse_ceilings(files: dict[str, Path], rows: int, repeat: int) -> list[dict]:
    """Each parse in one process and in two at once over the file's halves; and the loop alike,
    for how two CPU-bound processes scale without a file."""
    found = []
    for label, parser, kind in PARSES:
        path = files[kind]
        one, two = best_parse(parser, path, [[(0, path.stat().st_size)], halves(path)], repeat, [rows, rows])
        found.append({"label": label, "kind": kind, **one, "two": two})
    one, two = best_parse("loop", None, [[(0, LOOPS)], [(0, LOOPS)] * 2], repeat, [LOOPS, 2 * LOOPS])
    found.append({"label": "pure-Python loop, no file (iterations, not rows)", "kind": None, **one, "two": two})
    for run in found:
        print(f"parse {run['label']}: {run['seconds']:.2f} s, 2 processes {run['two']['seconds']:.2f} s", flush=True)
    return found


def truncate(dsn: str, table: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {table}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dimension", type=int, default=384)
    parser.add_argument("--rss-rows", type=int, default=None, help="rows of the large file for peak RSS (default 10 x --rows; 0: skip)")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each floor and each load; the best is reported")
    parser.add_argument("--shared-buffers", default="1GB", help="server shared_buffers (an HNSW graph should fit)")
    parser.add_argument("--keep", action="store_true", help="keep the server and files")
    args = parser.parse_args()
    rows, dimension = args.rows, args.dimension
    rss_rows = 10 * rows if args.rss_rows is None else args.rss_rows

    workdir = Path(tempfile.mkdtemp(prefix="vtopo-bench-load-"))
    os.chmod(workdir, 0o755)  # the embedded server may run as another system user
    cluster = LocalCluster(workdir / "servers", ServerOptions(fsync=False, shared_buffers=args.shared_buffers))
    try:
        print("starting an embedded server…", flush=True)
        [server] = cluster.up([SERVER])
        dsn = server.dsn()
        os.environ["BENCH_LOAD_DSN"] = dsn
        topology = workdir / "topology.yaml"
        write_topology(topology, dimension)
        apply_topology(topology, approve=lambda plan: True)

        files = {"jsonl": workdir / "rows.jsonl", "parquet": workdir / "rows.parquet", "csv": workdir / "rows.csv"}
        began = time.perf_counter()
        write_jsonl(files["jsonl"], rows, dimension)
        write_parquet(files["parquet"], rows, dimension)
        write_csv(files["csv"], rows, dimension)
        os.sync()  # the files' write-back would otherwise run during the timings that follow
        print(f"wrote {rows:,} rows as JSONL, Parquet, CSV in {time.perf_counter() - began:.0f} s", flush=True)

        # Each rate is the best of --repeat runs, the floors' as the loads': this machine's CPUs are
        # shared. The floors and the loads in turn within each repeat, so a drift of the shared CPUs hits
        # both sides of a ratio alike (measured: the floors alone moved 0.42-0.66 s between runs).
        in_memory = list(chunks(rows, dimension))
        encoded = encoded_chunks(rows, dimension)
        kinds = [*files.items(), ("jsonl, one process", files["jsonl"]), ("csv, one process", files["csv"])]
        floors: dict[str, list[float]] = {"encoding": [], "raw": []}
        loads: dict[str, list[dict]] = {kind: [] for kind, _ in kinds}
        for _ in range(args.repeat):
            floors["encoding"].append(raw_copy(dsn, dimension, in_memory, encode_chunk))
            floors["raw"].append(raw_copy(dsn, dimension, encoded))
            for kind, path in kinds:
                truncate(dsn, "vecs.bench")
                loads[kind].append(run_load(topology, "bench", path, args.batch_size,
                                            one_process=kind.endswith("one process")))
        del in_memory, encoded
        encoding_seconds, raw_seconds = min(floors["encoding"]), min(floors["raw"])
        print(f"floors: raw {', '.join(format(run, '.2f') for run in floors['raw'])} s, "
              f"encoding {', '.join(format(run, '.2f') for run in floors['encoding'])} s", flush=True)
        results = {}
        for kind, runs in loads.items():
            results[kind] = min(runs, key=lambda run: run["seconds"])
            print(f"{kind}: {', '.join(format(run['seconds'], '.2f') for run in runs)} s", flush=True)

        parses = parse_ceilings(files, rows, args.repeat)  # the server idle: the CPUs are the parsers' alone

        settings = load_settings(topology, dsn, rows, dimension)
        index_seconds = create_index(dsn, settings)
        hnsw = run_load(topology, "bench_hnsw", files["jsonl"], args.batch_size)
        from vtopo.operations.plan import make_plan

        with psycopg.connect(dsn, autocommit=True) as conn:
            valid = conn.execute("SELECT bool_and(ix.indisvalid) FROM pg_index ix JOIN pg_class c ON c.oid = ix.indexrelid "
                                 "JOIN pg_am am ON am.oid = c.relam WHERE ix.indrelid = 'vecs.bench_hnsw'::regclass "
                                 "AND am.amname = 'hnsw'").fetchone()[0]
        plan_empty = make_plan(topology)[0].is_empty

        rss = []
        if rss_rows:
            for count in (rows, rss_rows):
                path = files["jsonl"] if count == rows else workdir / "rss.jsonl"
                if count != rows:
                    write_jsonl(path, count, dimension)
                    os.sync()
                truncate(dsn, "vecs.bench")
                rss.append({"rows": count, "mb": path.stat().st_size / 1e6, **run_load(topology, "bench", path, args.batch_size)})
                print(f"RSS run {count:,} rows: {rss[-1]['peak_rss_mb']:.0f} MB", flush=True)
                if count != rows:
                    path.unlink()
        report(args, rows, raw_seconds, encoding_seconds, results, index_seconds, settings, hnsw, valid, plan_empty, rss)
        report_parses(rows, raw_seconds, encoding_seconds, results, parses)
    finally:
        cluster.down(purge=not args.keep)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


def report(args, rows, raw_seconds, encoding_seconds, results, index_seconds, settings, hnsw, valid, plan_empty,
           rss) -> None:
    print()
    print(f"{rows:,} rows x {args.dimension}, batch size {args.batch_size}, shared_buffers {args.shared_buffers}, "
          f"{os.cpu_count()} CPUs, best of {args.repeat} runs")
    floor = rows / raw_seconds
    encoding_floor = rows / encoding_seconds
    print("ratios: of raw COPY = of the strict floor (pre-encoded: the server alone); "
          "of encoding COPY = of the issue's floor (NumPy encoding timed too)")
    print("| path | seconds | rows/s | of raw COPY | of encoding COPY |")
    print("|---|---|---|---|---|")
    print(f"| raw binary COPY, pre-encoded, bare table (floor) | {raw_seconds:.2f} | {floor:,.0f} | 1.00 | "
          f"{floor / encoding_floor:.2f} |")
    print(f"| raw binary COPY, NumPy-encoded while copying, bare table (issue's floor) | {encoding_seconds:.2f} | "
          f"{encoding_floor:,.0f} | {encoding_floor / floor:.2f} | 1.00 |")
    for kind, result in results.items():
        rate = rows / result["seconds"]
        how = "one COPY" if not result["staged"] else "staged"
        label = f"rows.{kind}"
        print(f"| vtopo load {label} ({how}) | {result['seconds']:.2f} | {rate:,.0f} | {rate / floor:.2f} | "
              f"{rate / encoding_floor:.2f} |")
    baseline = raw_seconds + index_seconds
    print()
    print(f"first load into an empty HNSW collection (m 16, ef_construction 64; "
          f"maintenance_work_mem {settings['maintenance_work_mem']}, {settings['max_parallel_maintenance_workers']} workers):")
    print("| path | seconds |")
    print("|---|---|")
    print(f"| raw COPY + CREATE INDEX | {raw_seconds:.1f} + {index_seconds:.1f} = {baseline:.1f} |")
    print(f"| vtopo load rows.jsonl (rows, then index CONCURRENTLY) | {hnsw['read_s'] + hnsw['write_s']:.1f} + "
          f"{hnsw['index_s']:.1f} = {hnsw['seconds']:.1f} ({hnsw['seconds'] / baseline:.2f}x) |")
    print(f"index {hnsw['index']} valid: {valid}; vtopo plan empty afterwards: {plan_empty}")
    if rss:
        print()
        print("| rows | file MB | seconds | rows/s | peak RSS MB | worker's peak RSS MB |")
        print("|---|---|---|---|---|")
        for r in rss:
            print(f"| {r['rows']:,} | {r['mb']:,.0f} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | {r['peak_rss_mb']:.0f} "
                  f"| {r['worker_rss_mb']:.0f} |")
        small, large = rss
        print(f"peak RSS ratio {large['rows']:,} / {small['rows']:,} rows: {large['peak_rss_mb'] / small['peak_rss_mb']:.2f} "
              f"(the worker's: {large['worker_rss_mb'] / max(small['worker_rss_mb'], 1):.2f})")


def report_parses(rows, raw_seconds, encoding_seconds, results, parses) -> None:
    floor, encoding_floor = rows / raw_seconds, rows / encoding_seconds
    print()
    print("client parse ceiling (no database): nothing but the parse, each process a fresh interpreter; "
          "2 processes: each over half the file's bytes, at once (aggregate rate)")
    print("| file | parse | processes | seconds | rows/s | of raw COPY | of encoding COPY | vtopo load / this | "
          "2 processes / 1 |")
    print("|---|---|---|---|---|---|---|---|---|")
    for run in parses:
        one = run["rows"] / run["seconds"]
        for shown in (run, run["two"]):
            rate = shown["rows"] / shown["seconds"]
            if run["kind"]:
                load = rows / results[run["kind"]]["seconds"]
                ratios = f"{rate / floor:.2f} | {rate / encoding_floor:.2f} | {load / rate:.2f}"
            else:
                ratios = "- | - | -"
            scaling = f"{rate / one:.2f}" if shown is not run else "-"
            file = f"rows.{run['kind']}" if run["kind"] else "-"
            print(f"| {file} | {run['label']} | {shown['processes']} | {shown['seconds']:.2f} | {rate:,.0f} | {ratios} | "
                  f"{scaling} |")


if __name__ == "__main__":
    main()
