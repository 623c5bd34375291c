"""`vtopo load`: a file of (id, vector, metadata) records into a collection.

Reads the file as a stream of batches, checks every record against the
collection (type, dimension, finite numbers, JSON object metadata, id), and
writes it (see writer.py): straight into an empty collection with one binary
COPY, otherwise staged and upserted in committed batches. A first load (empty,
or small next to the file: index.DEFER_RATIO) goes in without the vector index,
which is built afterwards (index.py).
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol

import psycopg

from vtopo.errors import DatabaseError, VtopoError
from vtopo.spec.resolve import ResolvedTopology
from vtopo.vectors.batch import RowBatch
from vtopo.vectors.shape import VectorShape
from vtopo.vectors.staging import DEFAULT_BATCH, Staging

from .errors import LoadError
from .index import DEFER_RATIO, BuildSettings, VectorIndexAround
from .readers import Source, open_source
from .parallel import Split, SplitMisplaced, TwoParts, split_of
from .writer import collection_rows, copy_into_empty, encoded, merge_in_batches

MAX_PROBLEMS = 10  # report this many bad records, then stop reading
_SIZING_ROWS = 1_000_000  # rows counted to size an index build (the memory is capped well below)
_RESUME = "re-run the same command to finish: it upserts, so rows already written are not duplicated"


class LoadInterrupted(LoadError):
    exit_code = 130


class LoadProgress(Protocol):
    def reading(self, rows: int, done: int, total: int) -> None: ...
    def writing(self, rows: int, total: int) -> None: ...
    def indexing(self, phase: str, done: int, total: int) -> None: ...


@dataclass
class LoadReport:
    collection: str
    database: str
    rows: int  # records read and written (an id given twice counts twice)
    read_seconds: float
    write_seconds: float
    index_seconds: float = 0.0
    staged: bool = True  # False: COPYed straight into the empty collection
    index_built: str | None = None  # the vector index built after the rows

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.write_seconds + self.index_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Destination:
    """Where a load writes: an open autocommit connection to the collection's database (its table
    known to match the topology), and how to word a database error about it (no secrets)."""

    conn: psycopg.Connection
    resolved: ResolvedTopology
    database: str
    collection: str
    shape: VectorShape
    describe: Callable[[psycopg.Error], VtopoError]


@contextmanager
def _errors(target: Destination) -> Iterator[None]:
    try:
        yield
    except psycopg.Error as error:
        raise target.describe(error) from None


@dataclass
class _Load:
    target: Destination
    source: Source
    batch_size: int
    progress: LoadProgress | None
    index: VectorIndexAround
    build: BuildSettings


def load_source(
    target: Destination,
    path: Path,
    *,
    format: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: LoadProgress | None = None,
    build: BuildSettings = BuildSettings(),
    rows: Callable[[Source], Source] | None = None,
) -> LoadReport:
    """rows: a view of the file's rows to load (a shard's own, sharded.OwnedRows); default all."""
    if batch_size < 1:
        raise LoadError("--batch-size must be at least 1")
    source = open_source(path, format)
    if rows is not None:
        source = rows(source)
    with _errors(target):
        index = VectorIndexAround(target.conn, target.resolved, target.database, target.collection)
        empty = not collection_rows(target.conn, target.collection, 1)
    load = _Load(target, source, batch_size, progress, index, build)
    with _without_cyclic_gc():
        report = _copy_into_empty(load) if empty else None
        if report is None:
            report = _stage_and_merge(load)
    began = time.perf_counter()
    report.index_built = _build_index(load, report.rows)
    report.index_seconds = time.perf_counter() - began
    return report


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Reading makes millions of short-lived lists and dicts and no reference cycles: the cyclic
    collector would only rescan the batch in hand (measured: ~30% of the JSONL reading time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _checked(load: _Load) -> Iterator[RowBatch]:
    """Checked batches until the first bad record; after it, keep checking (up to MAX_PROBLEMS)
    to report more, yield nothing more, and raise at the end: inside a COPY, that aborts it."""
    problems: list[str] = []
    source = load.source
    for batch in source.batches(load.target.shape, load.batch_size):
        batch.check_numbers()
        for position, text in batch.problems:
            problems.append(f"{source.path}:{position}: {text}")
            if len(problems) >= MAX_PROBLEMS:
                raise _bad_records(problems, source, load.target)
        if not problems:
            yield batch
    if problems:
        raise _bad_records(problems, source, load.target)


def _copy_into_empty(load: _Load) -> LoadReport | None:
    """The whole file in one COPY; None when it must be staged after all (an id repeats in the
    file, or someone wrote to the collection meanwhile): nothing was written then."""
    target, source = load.target, load.source
    with _errors(target):
        deferred = load.index.defer()
    began = time.perf_counter()
    try:
        try:
            rows = _copy_file(load, split_of(source))
        except SplitMisplaced:  # nothing was written: the COPY was aborted
            rows = _copy_file(load, None)
    except psycopg.errors.UniqueViolation:
        return None  # the primary key refused an id given twice: staging keeps the last one
    except psycopg.Error as error:
        _restore_index(load, deferred)
        cause = target.describe(error)
        raise LoadError(f"{cause.message}\nnothing was written", hint=_hint_after(error, _RESUME)) from None
    except LoadError:
        _restore_index(load, deferred)  # bad records: leave the collection as it was
        raise
    except KeyboardInterrupt:
        raise LoadInterrupted(f"interrupted while loading: nothing was written to {target.collection!r}",
                              hint=_RESUME + _index_note(deferred)) from None
    if rows < 0:
        return None
    if load.progress is not None:
        load.progress.reading(rows, source.total, source.total)
    return LoadReport(target.collection, target.database, rows, time.perf_counter() - began, 0.0, staged=False)


def _copy_file(load: _Load, split: Split | None) -> int:
    """copy_into_empty of the whole file, read in two parts at `split` or by this process alone."""
    target, source = load.target, load.source
    reading = (TwoParts(source, split, target.shape, load.batch_size, MAX_PROBLEMS,
                         lambda found: _bad_records([f"{source.path}:{line}: {text}" for line, text in found], source, target))
               if split is not None else None)
    done = reading.done if reading is not None else source.done

    def on_batch(rows: int) -> None:
        if load.progress is not None:
            load.progress.reading(rows, done(), source.total)

    with reading if reading is not None else nullcontext():
        chunks = reading.chunks() if reading is not None else encoded(_checked(load))
        return copy_into_empty(target.conn, target.collection, chunks, on_batch)


def _restore_index(load: _Load, deferred: bool) -> None:
    """After a failed load into the empty collection the index is rebuilt at once (no rows: instant)."""
    if deferred:
        try:
            with _errors(load.target):
                load.index.build(0, load.target.shape.stored_bytes, load.build)
        except (DatabaseError, LoadError):
            pass  # still absent: plan shows it, and the next load or apply builds it


def _stage_and_merge(load: _Load) -> LoadReport:
    target, source, progress = load.target, load.source, load.progress
    staging = Staging(target.conn, target.shape)
    began = time.perf_counter()
    try:
        with _errors(target):
            staging.create()
            with staging.copying() as write:
                for batch in _checked(load):
                    write(batch)
                    if progress is not None:
                        progress.reading(staging.rows, source.done(), source.total)
    except KeyboardInterrupt:
        raise LoadInterrupted(f"interrupted while reading: nothing was written to {target.collection!r}",
                              hint=_RESUME) from None
    if progress is not None:
        progress.reading(staging.rows, source.total, source.total)
    read_seconds = time.perf_counter() - began
    began = time.perf_counter()
    _write(load, staging)
    return LoadReport(target.collection, target.database, staging.rows, read_seconds, time.perf_counter() - began)


def _bad_records(problems: list[str], source: Source, target: Destination) -> LoadError:
    count = f"{len(problems)} bad record{'s' if len(problems) > 1 else ''}"
    more = " (stopped reading there)" if len(problems) >= MAX_PROBLEMS else ""
    return LoadError(
        f"{source.path}: {count}{more}; nothing was written to collection {target.collection!r}\n"
        + "\n".join(problems),
        hint=f"each {source.unit} holds one record: {source.record_shape}; "
        f"collection {target.collection!r} takes {target.shape}",
    )


# SQLSTATE classes of failures a plain re-run can get past: connection, transaction rollback
# (serialization, deadlock), insufficient resources, operator intervention (shutdown, cancel).
_TRANSIENT = ("08", "40", "53", "57")


def _hint_after(error: psycopg.Error, resume: str) -> str:
    sqlstate = error.sqlstate or ""
    if sqlstate.startswith(_TRANSIENT):
        return resume
    if sqlstate == "54000":  # program_limit_exceeded: "index row requires N bytes"
        return ("a row holds a value too large to index (an id, or a metadata value under an index, of more than "
                "about 2,700 bytes): shorten it in the file, then re-run (rows already written are not duplicated)")
    return "the database refused a row of the file: fix the file, then re-run (rows already written are not duplicated)"


def _index_note(deferred: bool) -> str:
    return ("; the vector index was set aside for the load: the next vtopo load or vtopo apply builds it"
            if deferred else "")


def _write(load: _Load, staging: Staging) -> None:
    target, progress = load.target, load.progress
    if not staging.rows:
        return
    written = 0
    deferred = False

    def on_written(rows: int) -> None:
        nonlocal written
        written = rows
        if progress is not None:
            progress.writing(rows, staging.rows)

    try:
        with _errors(target):
            staging.prepare_merge()
            held = collection_rows(target.conn, target.collection, int(staging.rows * DEFER_RATIO) + 1)
            if held <= staging.rows * DEFER_RATIO:
                deferred = load.index.defer()
        if progress is not None:
            progress.writing(0, staging.rows)
        merge_in_batches(staging, target.collection, load.batch_size, on_written)
        staging.drop()
    except psycopg.Error as error:
        cause = target.describe(error)
        raise LoadError(f"{cause.message}\nwriting stopped after {written} of {staging.rows} rows",
                        hint=_hint_after(error, _RESUME) + _index_note(deferred)) from None
    except KeyboardInterrupt:
        raise LoadInterrupted(f"interrupted after writing {written} of {staging.rows} rows into {target.collection!r}",
                              hint=_RESUME + _index_note(deferred)) from None


_BUILD_HINT = "run vtopo apply (or this load again) to build it"
# pgvector refuses an IVFFlat build whose k-means does not fit maintenance_work_mem (program_limit_exceeded).
_BUILD_MEMORY_HINT = ("the build needs more maintenance_work_mem than it was given (vtopo sizes it from the rows, "
                      "at most 1 GB): load again with --maintenance-work-mem (say 2GB), or set "
                      "index.build.maintenance_work_mem for the collection and run vtopo apply")


def _build_index(load: _Load, loaded: int) -> str | None:
    """The vector index, if the load set it aside or an earlier cut load left it absent or invalid."""
    index, target = load.index, load.target
    with _errors(target):
        if not index.needs_build():
            return None
        rows = max(loaded, collection_rows(target.conn, target.collection, _SIZING_ROWS))
    on_phase = load.progress.indexing if load.progress is not None else None
    try:
        index.build(rows, target.shape.stored_bytes, load.build, on_phase)
    except psycopg.Error as error:
        cause = target.describe(error)
        raise LoadError(f"{cause.message}\nthe rows are written; building the vector index {index.name} failed",
                        hint=_BUILD_MEMORY_HINT if error.sqlstate == "54000" else _BUILD_HINT) from None
    except KeyboardInterrupt:
        raise LoadInterrupted(f"interrupted while building the vector index {index.name}; the rows are written",
                              hint=_BUILD_HINT) from None
    return index.name
