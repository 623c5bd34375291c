"""`vtopo load`: a file of (id, vector, metadata) records into a collection.

Reads the file as a stream, checks every record against the collection
(type, dimension, numbers, JSON metadata), stages it with binary COPY and
then upserts it in committed batches (see writer.py for why two phases).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Protocol

import psycopg

from vtopo.query.session import Sessions, database_errors, describe, require_collection
from vtopo.query.target import Target, Via, route
from vtopo.spec.resolve import ResolvedTopology
from vtopo.vectors.records import EncodedRow, RowProblem, encode_row
from vtopo.vectors.shape import VectorShape
from vtopo.vectors.staging import DEFAULT_BATCH, Staging, batched

from .errors import LoadError
from .readers import Source, open_source
from .writer import merge_in_batches

MAX_PROBLEMS = 10  # report this many bad records, then stop reading


class LoadInterrupted(LoadError):
    exit_code = 130


class LoadProgress(Protocol):
    def reading(self, rows: int, done: int, total: int) -> None: ...
    def writing(self, rows: int, total: int) -> None: ...


@dataclass
class LoadReport:
    collection: str
    database: str
    rows: int  # records read and written (an id given twice counts twice)
    read_seconds: float
    write_seconds: float

    @property
    def seconds(self) -> float:
        return self.read_seconds + self.write_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def load_file(
    resolved: ResolvedTopology,
    collection: str,
    path: Path,
    *,
    format: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: LoadProgress | None = None,
) -> LoadReport:
    if batch_size < 1:
        raise LoadError("--batch-size must be at least 1")
    target = route(resolved.topology, collection, Via.direct)
    source = open_source(path, format)
    sessions = Sessions(resolved)
    try:
        conn = require_collection(sessions, target)
        staging = Staging(conn, target.shape)
        began = time.perf_counter()
        with database_errors(sessions, target):
            staging.create()
            _stage(source, staging, target, batch_size, progress)
        read_seconds = time.perf_counter() - began
        began = time.perf_counter()
        _write(sessions, staging, target, batch_size, progress)
        return LoadReport(collection, target.database, staging.rows, read_seconds, time.perf_counter() - began)
    finally:
        sessions.close()


def _stage(source: Source, staging: Staging, target: Target, batch_size: int, progress: LoadProgress | None) -> None:
    problems: list[str] = []
    with staging.copying() as write:
        for batch in batched(_checked(source, target.shape, problems), batch_size):
            if problems:
                break  # the records after the first bad one are only checked
            write(batch)
            if progress is not None and len(batch) == batch_size:
                progress.reading(staging.rows, source.done(), source.total)
        if problems:
            raise _bad_records(problems, source, target)  # aborts the COPY: nothing staged
    if progress is not None:
        progress.reading(staging.rows, source.total, source.total)


def _checked(source: Source, shape: VectorShape, problems: list[str]) -> Iterator[EncodedRow]:
    """The encoded records until the first bad one; after it, keep checking to report more problems
    (into `problems`, MAX_PROBLEMS at the most) but yield nothing more. Until then every record read
    is yielded, so the rows staged are the records read."""
    for record in source.rows():
        problem = record.problem
        if problem is None:
            try:
                encoded = encode_row(record.id, record.vector, record.metadata, shape)
            except RowProblem as error:
                problem = str(error)
        if problem is not None:
            problems.append(f"{source.path}:{record.position}: {problem}")
            if len(problems) >= MAX_PROBLEMS:
                return
        elif not problems:
            yield encoded


def _bad_records(problems: list[str], source: Source, target: Target) -> LoadError:
    count = f"{len(problems)} bad record{'s' if len(problems) > 1 else ''}"
    more = " (stopped reading there)" if len(problems) >= MAX_PROBLEMS else ""
    return LoadError(
        f"{source.path}: {count}{more}; nothing was written to collection {target.collection!r}\n"
        + "\n".join(problems),
        hint=f"each {source.unit} holds one record: "
        '{"id": "a", "vector": [0.1, ...], "metadata": {...}}; '
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


def _write(sessions: Sessions, staging: Staging, target: Target, batch_size: int, progress: LoadProgress | None) -> None:
    if not staging.rows:
        return
    written = 0

    def on_written(rows: int) -> None:
        nonlocal written
        written = rows
        if progress is not None:
            progress.writing(rows, staging.rows)

    resume = "re-run the same command to finish: it upserts, so rows already written are not duplicated"
    try:
        with database_errors(sessions, target):
            staging.prepare_merge()
        if progress is not None:
            progress.writing(0, staging.rows)
        merge_in_batches(staging, target.collection, batch_size, on_written)
        staging.drop()
    except psycopg.Error as error:
        cause = describe(error, sessions, target)
        raise LoadError(f"{cause.message}\nwriting stopped after {written} of {staging.rows} rows",
                        hint=_hint_after(error, resume)) from None
    except KeyboardInterrupt:
        raise LoadInterrupted(f"interrupted after writing {written} of {staging.rows} rows into {target.collection!r}",
                              hint=resume) from None
