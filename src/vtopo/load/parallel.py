"""A large JSONL or CSV file read by two forked workers, a part each, while this process only sends.

Parsing a vector's numbers is CPU work in one Python thread (~7 us for 384 with simdjson, plus
the checks and the encoding), so one process reads a file about as fast as one core works
through it, below what the server stores (benchmarks/load_rows.py measures both). A first load
therefore cuts the file in two at a line start near the middle; each part is read by a worker
that checks its records exactly as one process does (readers.py, RowBatch) and sends them as
COPY tuples through a pipe. This process only passes each batch on, as it comes, into the one
COPY of the load (one transaction; in an empty table the order of rows does not matter): a
process that parsed a part itself and sent as well held the GIL that its receiving and sending
threads were waiting for (measured: slower than one process alone once parsing got fast).

Bad records are reported as one process reports them: the first MAX_PROBLEMS in file order,
each with its line (a worker numbers its part's lines from 1 and tells how many it read, so the
second part's numbers follow the first part's lines without counting them beforehand).

A CSV record may span lines (a quoted cell holding a line end), so a line start is not always
a record's. The cut is at the first line after the middle that is a whole record as the reader's
shortcut reads it (csv_records.starts_a_record: in a well-formed file such a line starts outside
any quoted cell); none within _SEARCH bytes (every record spans lines), and the file is read
in one process. The second part's worker reads with the file's header, and the first part's,
which reads from the file's start, tells whether its part ended inside a record (a malformed
file can still mislead the cut). If it did, the COPY is aborted (nothing is written) and the
load reads the file in one process instead (SplitMisplaced).

Only for a load into an empty collection (an upsert's staging keeps the file's order), of an
uncompressed JSONL or CSV file of at least PARALLEL_BYTES, where processes can fork and there
are two or more CPUs. Anything else reads in this process alone.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable, Iterator

from vtopo.vectors.shape import VectorShape

from .csv_records import starts_a_record
from .errors import LoadError
from .readers import CsvSource, JsonlSource, Source

PARALLEL_BYTES = 32 * 1024 * 1024  # below this (~9,000 lines of 384 numbers) the workers' start is not paid back
_SEARCH = 8 * 1024 * 1024  # bytes after the middle searched for where the second part starts
_PIPE_BYTES = 1024 * 1024


class SplitMisplaced(Exception):
    """The cut between the parts fell inside a CSV record: read the file in one process."""


@dataclass(frozen=True)
class Split:
    offset: int  # the first byte of the second part (a line's first byte)


def split_of(source: Source) -> Split | None:
    """Where to cut `source` in two, or None: read it in this process alone."""
    if type(source) not in (JsonlSource, CsvSource) or source.start or source.stop is not None:
        return None  # a part of a file already, or rows of a file (a shard's: sharded.OwnedRows)
    if source.path.suffix.lower() == ".gz" or (os.cpu_count() or 1) < 2:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    size = source.path.stat().st_size
    if size < PARALLEL_BYTES:
        return None
    jsonl = type(source) is JsonlSource
    with open(source.path, "rb") as file:
        file.seek(size // 2)
        at_line_start = False  # the middle is inside a line: its rest is skipped
        while file.tell() < min(size, size // 2 + _SEARCH):
            offset = file.tell()
            line = file.readline(_SEARCH)
            if at_line_start and (jsonl or starts_a_record(line)):
                return Split(offset)
            at_line_start = line.endswith(b"\n")
    return None  # no line (CSV: no record) starts soon enough after the middle


class TwoParts:
    """Encoded COPY tuples of the whole file, (rows, bytes) a batch at a time, from both workers.

    `problems(list)` turns the problems found, in file order, into the exception to raise once
    the parts that can hold the first ones are read; nothing more is yielded after the first
    problem (the COPY is aborted)."""

    def __init__(self, source: JsonlSource | CsvSource, split: Split, shape: VectorShape, size: int,
                 max_problems: int, problems: Callable[[list[tuple[int, str]]], Exception]) -> None:
        self.path, self.shape, self.size = source.path, shape, size
        self.max_problems, self.problems = max_problems, problems
        self.parts = (source.part(0, split.offset), source.part(split.offset, None))  # CSV: the header read here
        self.read = [0, 0]  # bytes of each part read so far

    def done(self) -> int:
        """Bytes of the file read so far (both parts)."""
        return sum(self.read)

    def __enter__(self) -> "TwoParts":
        """The workers start here, before the load's COPY starts its sending thread (the fewer
        threads a process runs when it forks, the less a child can inherit a held lock; a child
        only parses, never prints or touches the connection)."""
        context = multiprocessing.get_context("fork")
        self._pipes, self._workers = [], []
        for part in self.parts:
            receiving, sending = context.Pipe(duplex=False)
            _widen(receiving)
            worker = context.Process(target=_read_part, daemon=True,
                                     args=(part, self.shape, self.size, self.max_problems, sending))
            worker.start()
            sending.close()
            self._pipes.append(receiving)
            self._workers.append(worker)
        return self

    def __exit__(self, *exc) -> None:
        for worker in self._workers:
            if worker.is_alive():
                worker.kill()
            worker.join()
        for pipe in self._pipes:
            pipe.close()

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        found: list[list[tuple[int, str]]] = [[], []]
        lines: list[int | None] = [None, None]  # each part's lines, once it has finished
        reading = dict(zip(self._pipes, range(2)))
        # Until both have finished, or the first part's (finished: it may have ended inside a
        # record, so its last problem may be the cut's) fill the report alone.
        while reading and not (lines[0] is not None and len(found[0]) >= self.max_problems):
            for pipe in wait(list(reading)):
                part = reading[pipe]
                try:
                    message = pipe.recv()
                except (EOFError, OSError):
                    raise LoadError(f"{self.path}: the process reading part {part + 1} of it stopped",
                                    hint="check the file, then re-run: nothing was written") from None
                kind = message[0]
                if kind == "rows":
                    _, rows, done = message
                    data = pipe.recv_bytes()  # the tuples follow unpickled (a copy less on each side)
                    self.read[part] = done - self.parts[part].start
                    if not found[0] and not found[1]:
                        yield rows, data
                elif kind == "problems":
                    found[part] += message[1]
                elif kind == "failed":
                    raise LoadError(message[1], hint="check the file, then re-run: nothing was written")
                else:  # done
                    _, lines[part], clean = message
                    if part == 0 and not clean:  # (the last part's unterminated record is the file's, read as csv reads it)
                        raise SplitMisplaced(self.path)
                    del reading[pipe]
        if found[0] or found[1]:
            # The second part's lines follow the first part's (which has finished, or its own fill the report).
            second = [(lines[0] + line, text) for line, text in found[1]] if lines[0] is not None else []
            raise self.problems((found[0] + second)[:self.max_problems])


def _widen(pipe) -> None:
    """A pipe as wide as Linux lets a process make it (1 MB by default, against 64 KB): a
    batch's ~3 MB then passes in a few reads and writes, not fifty."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass  # another system, or a lower limit: narrower, as fast as it can be there


def _read_part(source: JsonlSource | CsvSource, shape: VectorShape, size: int, max_problems: int, out) -> None:
    """A worker: its part's records checked and encoded, or its problems, to `out`; then how
    many lines it read, and whether it ended at a record's end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops this one
    try:
        found = 0
        for batch in source.batches(shape, size):
            batch.check_numbers()
            if batch.problems:
                out.send(("problems", batch.problems))
                found += len(batch.problems)
                if found >= max_problems:
                    break
            elif not found:
                out.send(("rows", len(batch), source.done()))
                out.send_bytes(batch.encode(None))
        out.send(("done", source.lines, source.clean))
    except BrokenPipeError:
        pass  # the parent stopped (an error, Ctrl-C): nothing is waiting for the rest
    except OSError as error:  # the file went away or cannot be read: the parent says so
        out.send(("failed", f"{source.path}: {error.strerror or error}"))
    except Exception as error:  # anything else: the parent stops the load with its words
        out.send(("failed", f"{source.path}: reading part of it failed: {error}"))
    finally:
        out.close()
