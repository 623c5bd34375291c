"""A binary stream's lines, a block at a time: one read per ~256 KB instead of a buffered readline
per line (measured: half the cost of iterating the file line by line)."""

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
        lines, rest = _split(block)
        pending = [rest] if rest else []  # after the last newline: the next line's start
        yield lines
    if pending:
        yield [b"".join(pending)]


def _split(block: bytes, keep_ends: bool = False) -> tuple[list[bytes], bytes]:
    """The block's lines up to its last newline (with it, if keep_ends), and what follows it.
    bytes.split and splitlines look at every byte in turn (measured: ~4 us for a 3.6 KB line);
    find is a memchr per line."""
    lines: list[bytes] = []
    append, find, kept = lines.append, block.find, 1 if keep_ends else 0
    start = 0
    while (end := find(b"\n", start)) >= 0:
        append(block[start:end + kept])
        start = end + 1
    return lines, block[start:]


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
        if b"\r" in block:
            lines = block.splitlines(keepends=True)
            # No line end, or a \r that the next block may continue with \n: carried over.
            pending = [] if lines[-1].endswith(b"\n") else [lines.pop()]
        else:
            lines, rest = _split(block, keep_ends=True)
            pending = [rest] if rest else []
        yield lines
    if pending:
        yield [b"".join(pending)]
