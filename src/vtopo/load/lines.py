"""A binary stream's lines, a block at a time: one read and one split per ~256 KB instead of a
buffered readline per line (measured: half the cost of iterating the file line by line)."""

from __future__ import annotations

from typing import BinaryIO, Iterator

_READ = 256 * 1024  # bytes read at a time (a 384-float line is ~3.7 KB): larger reads measured no faster


def read_lines(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Lists of the stream's lines split at b"\\n", without it (JSONL: as iterating the file)."""
    pending: list[bytes] = []  # the start of a line longer than a read
    while block := stream.read(_READ):
        if b"\n" not in block:
            pending.append(block)
            continue
        if pending:
            block = b"".join(pending) + block
        lines = block.split(b"\n")
        rest = lines.pop()  # after the last newline: the next line's start (b"" when a read ends at one)
        pending = [rest] if rest else []
        yield lines
    if pending:
        yield [b"".join(pending)]


def read_lines_universal(stream: BinaryIO) -> Iterator[list[bytes]]:
    """Lists of the stream's lines ending at \\r\\n, \\r or \\n, kept (CSV: as a text file opened
    with newline="" gives them to csv.reader)."""
    pending: list[bytes] = []
    while block := stream.read(_READ):
        if b"\n" not in block and b"\r" not in block:
            pending.append(block)
            continue
        if pending:
            block = b"".join(pending) + block
        lines = block.splitlines(keepends=True)
        # No line end, or a \r that the next block may continue with \n: carried over.
        pending = [] if lines[-1].endswith(b"\n") else [lines.pop()]
        yield lines
    if pending:
        yield [b"".join(pending)]
