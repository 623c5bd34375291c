"""simdjson's fast path for records that need no words: a well-formed line's vector comes out as
one float64 buffer, without a Python float per number.

orjson builds a Python float for each of a vector's numbers (~10-15 us for 384 of them);
simdjson parses the line and hands the numbers over in one buffer (~5 us, measured by
benchmarks/load_rows.py's parse ceiling). The fast path takes only records it can read
exactly as the strict path (readers.py, orjson) reads them, and declines everything else
(returns None), which the strict path then reads and, if bad, words: so what is accepted,
what is refused and the words of a refusal do not depend on which path read a line.

Declined: anything simdjson refuses (bad JSON, not UTF-8, a number beyond float64 or 64-bit
integers), keys other than exactly id, vector and (optionally) metadata, each once, an id
that is not a string or an integer, a vector that is not an array of numbers of the
collection's length, a line with a \\u escape (see _flat). Metadata is taken as Python
objects; id and metadata are encoded by the strict path's own functions (records.py), and a
record they refuse is declined too.
"""

from __future__ import annotations

from typing import Any

import simdjson

from vtopo.vectors.records import encode_id, encode_metadata


_OBJECT, _ARRAY = simdjson.Object, simdjson.Array


class FastReader:
    """One simdjson parser, reused line after line (a parser's results live until its next parse)."""

    def __init__(self, dimension: int) -> None:
        self._parser = simdjson.Parser()
        self._bytes = 8 * dimension

    def jsonl_record(self, line: bytes) -> tuple[bytes, bytes, bytes] | None:
        """The COPY bytes of a JSONL line's id, its vector as float64 and its jsonb metadata, or
        None: the strict path reads the line."""
        try:
            record = self._parse(line)
            if type(record) is not _OBJECT:
                return None
            row_id, vector = record["id"], record["vector"]  # KeyError: declined
            metadata = record.get("metadata")
            # Exactly id, vector and perhaps metadata, each once (orjson keeps a repeated key's last value).
            if len(record) != (3 if metadata is not None or "metadata" in record else 2):
                return None
            if type(row_id) is not str and type(row_id) is not int:
                return None
            floats = self._floats(vector)
            if floats is None:
                return None
            if type(metadata) is _OBJECT:
                metadata = metadata.as_dict()
            elif type(metadata) is _ARRAY:
                return None  # the strict path words it
            encoded_id, encoded_metadata = encode_id(row_id), encode_metadata(metadata)
        except (ValueError, TypeError, RuntimeError, KeyError):  # RowProblem is a ValueError
            return None
        if not _flat(line, row_id, encoded_metadata):
            return None
        return encoded_id, floats, encoded_metadata

    def cell_floats(self, cell: str) -> bytes | None:
        """The float64 bytes of a CSV vector cell `[0.1, ...]`, or None: the strict path reads it."""
        if cell.find("[", cell.find("[") + 1) >= 0:
            return None  # a nested array: simdjson flattens it into the buffer
        try:
            return self._floats(self._parse(cell))
        except (ValueError, TypeError, RuntimeError):
            return None

    def _parse(self, text: bytes | str) -> Any:
        try:
            return self._parser.parse(text)
        except RuntimeError:
            # A result of the last parse still referenced (an error's traceback): a fresh parser.
            self._parser = simdjson.Parser()
            return self._parser.parse(text)

    def _floats(self, vector: Any) -> bytes | None:
        """A vector array's numbers as float64 bytes, or None: not an array, or not the collection's length."""
        if type(vector) is not _ARRAY:
            return None
        floats = bytes(vector.as_buffer(of_type="d"))  # TypeError for a string, null, boolean or object
        return floats if len(floats) == self._bytes else None


def _flat(line: bytes, row_id: Any, encoded_metadata: bytes) -> bool:
    """True if the vector holds no nested array (simdjson's buffer flattens [[1], 2] to [1, 2]).

    Every `[` of the line is the vector's own, one inside the vector, or one of the id's or the
    metadata's (structure or string). Without \\u escapes a string's `[` are the same raw and
    decoded, so the vector is flat exactly when the line holds one `[` more than the id and the
    metadata (counted in the metadata's orjson text: orjson writes no `[` as an escape)."""
    if b"\\" in line and b"\\u" in line:  # a one-byte search is a memchr; a two-byte one scans (~3 us)
        return False
    first = line.find(b"[")
    if b"[" not in encoded_metadata and (type(row_id) is not str or "[" not in row_id):
        return line.find(b"[", first + 1) < 0  # the vector's `[` alone (nearly every line)
    expected = 1 + (row_id.count("[") if type(row_id) is str else 0) + encoded_metadata.count(b"[")
    # bytes.count scans byte by byte (~1 us for a 3.6 KB line); find is a memchr per `[`.
    found, at = 0, first
    while at >= 0 and found <= expected:
        found += 1
        at = line.find(b"[", at + 1)
    return found == expected
