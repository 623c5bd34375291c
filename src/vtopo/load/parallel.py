"""A large JSONL file read by two processes: this one and a forked worker, a part each.

Parsing the numbers of a vector is CPU work in one Python thread (orjson: ~10 us for 384), so
one process reads a JSONL file about as fast as one core parses it, well below what the server
stores (benchmarks/load_rows.py measures both). Two processes parse at about twice the rate
(measured there too), so a first load reads the file's second part, from a line start at 2/5
of its bytes, in a worker (this process also sends every tuple, so it reads a little less).
The worker checks its records exactly as this process does (readers.py, RowBatch) and sends
them as COPY tuples through a pipe; this process sends its own part's tuples and the worker's
into the one COPY of the load (one transaction; in an empty table the order of rows does not
matter). Bad records are reported as one process reports them: the first MAX_PROBLEMS in file
order, each with its line.

Only for a load into an empty collection (an upsert's staging keeps the file's order), of an
uncompressed JSONL file of at least PARALLEL_BYTES, where processes can fork and there are two
or more CPUs. Anything else reads in this process alone.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from vtopo.vectors.shape import VectorShape

from .errors import LoadError
from .readers import JsonlSource, Source

PARALLEL_BYTES = 32 * 1024 * 1024  # below this (~9,000 lines of 384 numbers) a worker's start is not paid back
_SCAN = 4 * 1024 * 1024  # bytes read at a time when counting lines
_PIPE_BYTES = 1024 * 1024
_QUEUED = 4  # the worker's batches held here at most (memory stays flat: the worker waits beyond)


@dataclass(frozen=True)
class Split:
    offset: int  # the first byte of the second part (a line's first byte)
    first_line: int  # that line's number in the file


def split_of(source: Source) -> Split | None:
    """Where to cut `source` in two, or None: read it in this process alone."""
    if type(source) is not JsonlSource or source.start or source.stop is not None:
        return None  # a part of a file already (a shard's rows: sharded.OwnedRows wraps the source)
    if source.path.suffix.lower() == ".gz" or (os.cpu_count() or 1) < 2:
        return None
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    size = source.path.stat().st_size
    if size < PARALLEL_BYTES:
        return None
    with open(source.path, "rb") as file:
        file.seek(size * 2 // 5)
        skipped = 0
        while True:
            block = file.read(_SCAN)
            end = block.find(b"\n")
            if end >= 0 or not block:
                break
            skipped += len(block)
        if end < 0:
            return None  # no line starts after the middle
        offset = size * 2 // 5 + skipped + end + 1
        if offset >= size:
            return None
        file.seek(0)
        lines, left = 0, offset
        while left:
            block = file.read(min(_SCAN, left))
            lines += block.count(b"\n")
            left -= len(block)
    return Split(offset, lines + 1)


class TwoParts:
    """Encoded COPY tuples of the whole file, (rows, bytes) a batch at a time, from both parts.

    `problems(list)` turns the problems found, in file order, into the exception to raise once
    both parts are read; nothing more is yielded after the first one (the COPY is aborted)."""

    def __init__(self, source: JsonlSource, split: Split, shape: VectorShape, size: int, max_problems: int,
                 problems: Callable[[list[tuple[int, str]]], Exception]) -> None:
        self.path, self.split, self.shape, self.size = source.path, split, shape, size
        self.max_problems, self.problems = max_problems, problems
        self.first = JsonlSource(source.path, stop=split.offset)
        self.worker_done = 0  # bytes of the second part read by the worker

    def done(self) -> int:
        """Bytes of the file read so far (both parts)."""
        return self.first.done() + self.worker_done

    def __enter__(self) -> "TwoParts":
        """The worker starts here, before the load's COPY starts its sending thread (the fewer
        threads a process runs when it forks, the less a child can inherit a held lock; the child
        only parses, never prints or touches the connection). A thread here then takes the
        worker's messages as they come, so the worker never waits for this process to finish a
        batch of its own."""
        context = multiprocessing.get_context("fork")
        self._receiving, sending = context.Pipe(duplex=False)
        _widen(self._receiving)
        self._worker = context.Process(target=_second_part, daemon=True,
                                       args=(self.path, self.split, self.shape, self.size, self.max_problems, sending))
        self._worker.start()
        sending.close()
        self._messages: queue.Queue = queue.Queue(maxsize=_QUEUED)
        self._pump = threading.Thread(target=self._take, daemon=True)
        self._pump.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._worker.is_alive():
            self._worker.kill()
        self._worker.join()
        self._receiving.close()  # ends the pump's wait, if any
        while self._pump.is_alive():
            try:
                self._messages.get_nowait()  # unblock a pump waiting for room
            except queue.Empty:
                self._pump.join(0.05)

    def _take(self) -> None:
        """The pump: the worker's messages into the queue until it has finished (or died)."""
        try:
            while True:
                message = self._receiving.recv()
                self._messages.put(message)
                if message[0] in ("done", "failed"):
                    return
        except (EOFError, OSError):
            self._messages.put(("failed", f"{self.path}: the process reading its second part stopped"))

    def chunks(self) -> Iterator[tuple[int, bytes]]:
        mine: list[tuple[int, str]] = []
        theirs: list[tuple[int, str]] = []
        finished = False
        for batch in self.first.batches(self.shape, self.size):
            batch.check_numbers()
            mine += batch.problems
            if len(mine) >= self.max_problems:
                break  # as many as are reported: the second part's come after them
            if not mine and not theirs:
                yield len(batch), batch.encode(None)
            while not finished and not self._messages.empty():
                finished, chunk = self._receive(self._messages.get(), theirs)
                if chunk is not None and not mine and not theirs:
                    yield chunk
        while not finished and len(mine) < self.max_problems:
            finished, chunk = self._receive(self._messages.get(), theirs)
            if chunk is not None and not mine and not theirs:
                yield chunk
        if mine or theirs:
            raise self.problems((mine + theirs)[:self.max_problems])

    def _receive(self, message: tuple, problems: list[tuple[int, str]]) -> tuple[bool, tuple[int, bytes] | None]:
        """One message of the worker: whether it has finished, and the (rows, tuples) it brought."""
        kind = message[0]
        if kind == "rows":
            _, rows, data, done = message
            self.worker_done = done - self.split.offset
            return False, (rows, data)
        if kind == "problems":
            problems += message[1]
        elif kind == "failed":
            raise LoadError(message[1], hint="check the file, then re-run: nothing was written")
        return kind == "done", None


def _widen(pipe) -> None:
    """A pipe as wide as Linux lets a process make it (1 MB by default, against 64 KB): each
    read of a batch's ~3 MB then takes the GIL a few times, not fifty (in a process whose main
    thread parses, each take waits for it to let go)."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), _PIPE_BYTES)
    except (ImportError, OSError):
        pass  # another system, or a lower limit: narrower, as fast as it can be there


def _second_part(path: Path, split: Split, shape: VectorShape, size: int, max_problems: int, out) -> None:
    """The worker: the second part's records checked and encoded, or its problems, to `out`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent stops this one
    try:
        source = JsonlSource(path, start=split.offset, first_line=split.first_line)
        found = 0
        for batch in source.batches(shape, size):
            batch.check_numbers()
            if batch.problems:
                out.send(("problems", batch.problems))
                found += len(batch.problems)
                if found >= max_problems:
                    break
            elif not found:
                out.send(("rows", len(batch), batch.encode(None), source.done()))
        out.send(("done",))
    except BrokenPipeError:
        pass  # the parent stopped (an error, Ctrl-C): nothing is waiting for the rest
    except OSError as error:  # the file went away or cannot be read: the parent says so
        out.send(("failed", f"{path}: {error.strerror or error}"))
    except Exception as error:  # anything else: the parent stops the load with its words
        out.send(("failed", f"{path}: reading its second part failed: {error}"))
    finally:
        out.close()
