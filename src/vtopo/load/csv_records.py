"""CSV records without running the csv module over the vector cell.

The vector cell is nearly all of a line (384 numbers: ~3.5 KB) and the csv
module parses it character by character (measured: more time than orjson's
parse of the numbers). A line whose vector cell can be cut out unambiguously
has the rest parsed by csv (strict) and the cell taken as it is; any other
line, and any record spanning lines, goes to csv itself, so every record
reads exactly as `csv.reader` over the file (newline="") reads it.

The cut is safe when: nothing before the cell holds a quote (so every comma
there separates cells, and the cell's number is the commas counted; the cell
may be the first), the
cell is `"[...]"` with no quote inside (so its closing quote is the first
one), and a comma or the line's end follows it. The rest is then parsed with
a stand-in cell by a strict reader (or, holding no quote at all, split at
its commas, as csv.reader would split it): any doubt (an open quote, stray
quotes) is an error there, and the line goes to csv as a whole.
"""

from __future__ import annotations

import csv
from typing import BinaryIO, Iterator

from .lines import read_lines_universal

_OPEN = ',"['  # a vector cell after another cell
_FIRST = '"['  # ... or at the line's start


class CsvRecords:
    """(line number, cells) of each record of a binary stream; `line` is the last line a record
    spans (as csv.reader's line_num). Raises UnicodeDecodeError (self.line: the line) or csv.Error."""

    def __init__(self, stream: BinaryIO) -> None:
        self._lines = _numbered(read_lines_universal(stream))
        self._pushed: str | None = None
        self.line = 0
        self._fed = 0  # lines given to csv for the record it is reading
        # The input ended inside a record (an open quote): csv.reader returns what it has read,
        # as it does at the end of a file; a part of a file (parallel.py) was cut in the wrong place.
        self.unterminated = False
        self._csv = csv.reader(self._feed())  # csv.reader keeps its own state between records

    def _feed(self) -> Iterator[str]:
        while True:
            if self._pushed is not None:
                line, self._pushed = self._pushed, None
            else:
                self.line, raw = next(self._lines, (self.line, None))
                if raw is None:
                    self.unterminated = self._fed > 0
                    return
                line = raw.decode("utf-8")
            self._fed += 1
            yield line

    def header(self) -> list[str] | None:
        return self._record()

    def _record(self) -> list[str] | None:
        self._fed = 0
        return next(self._csv, None)

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        for self.line, raw in self._lines:
            line = raw.decode("utf-8")
            cells = _cut(line)
            if cells is None:
                self._pushed = line  # csv reads the record from this line on, as many lines as it spans
                cells = self._record()
                if cells is None:
                    return
            yield self.line, cells


def _numbered(blocks: Iterator[list[bytes]]) -> Iterator[tuple[int, bytes]]:
    number = 0
    for lines in blocks:
        for line in lines:
            number += 1
            yield number, line


def starts_a_record(line: bytes) -> bool:
    """True if a physical line is a whole record the shortcut reads (its vector cell `"[...]"`
    cut out). Its first quote opens that cell, and nothing before it is quoted, so in a
    well-formed file the line starts outside any quoted cell: a record starts there."""
    try:
        return _cut(line.decode("utf-8")) is not None
    except UnicodeDecodeError:
        return False


def _cut(line: str) -> list[str] | None:
    """The line's cells with the vector cell cut out by position, or None: let csv read it."""
    if line.startswith(_FIRST):
        quote, head = 0, ""  # the vector is the first cell
    else:
        comma = line.find(_OPEN)
        if comma < 0 or '"' in line[:comma]:
            return None
        quote, head = comma + 1, line[:comma + 1]  # head: the cells before it, with its comma
    close = line.find('"', quote + 1)  # the cell's closing quote, if nothing inside is a quote
    if close < 0 or line[close - 1] != "]":
        return None
    after = line[close + 1:]
    if after and after[0] != "," and after not in ("\n", "\r", "\r\n"):
        return None
    rest = head + "V" + after
    body = rest.rstrip("\r\n")  # a physical line: at most one line end, at its end
    if '"' in body or "\r" in body or "\n" in body or "\x00" in body:
        try:  # quotes (or a character csv may treat apart): csv decides
            cells = next(csv.reader([rest], strict=True))
        except csv.Error:
            return None
    else:
        cells = body.split(",")  # no quote: every comma separates cells, as csv.reader splits them
    cells[head.count(",")] = line[quote + 1:close]
    return cells
