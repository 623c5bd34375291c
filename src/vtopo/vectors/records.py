"""One input record (id, vector, metadata) checked and encoded for COPY.

The same checks serve `vtopo load` and the Python API's upsert, so a bad
record gets the same words wherever it comes from.
"""

from __future__ import annotations

import json
import struct
import sys
from dataclasses import dataclass
from typing import Any

from .check import VectorProblem, check_vector
from .json_kinds import json_kind
from .shape import VectorShape

_BIG_ENDIAN = sys.byteorder == "big"


class RowProblem(ValueError):
    """What is wrong with one record; the caller says where it is (file:line, record index)."""


@dataclass(frozen=True)
class EncodedRow:
    """A record in PostgreSQL's binary wire form: varchar id, vector, jsonb metadata."""

    id: bytes
    vector: bytes
    metadata: bytes


def encode_row(row_id: Any, vector: Any, metadata: Any, shape: VectorShape) -> EncodedRow:
    return EncodedRow(_encode_id(row_id), _encode_vector(vector, shape), _encode_metadata(metadata))


def _encode_id(row_id: Any) -> bytes:
    # Vecs ids are strings; integer ids (common in JSONL/Parquet) are taken as their text.
    if isinstance(row_id, int) and not isinstance(row_id, bool):
        row_id = str(row_id)
    if not isinstance(row_id, str):
        raise RowProblem(f"the id must be a string, got {json_kind(row_id)}")
    if not row_id:
        raise RowProblem("the id is empty")
    if "\x00" in row_id:
        raise RowProblem("the id holds a NUL character, which PostgreSQL text cannot store")
    return row_id.encode("utf-8")


def _encode_vector(vector: Any, shape: VectorShape) -> bytes:
    try:
        floats = check_vector(vector, shape)
    except VectorProblem as problem:
        raise RowProblem(str(problem)) from None
    # pgvector's binary form: int16 dimension, int16 unused (0), then the values big-endian.
    header = struct.pack(">hh", len(floats), 0)
    if shape.type == "halfvec":
        return header + struct.pack(f">{len(floats)}e", *floats)
    if not _BIG_ENDIAN:
        floats.byteswap()
    return header + floats.tobytes()


def _encode_metadata(metadata: Any) -> bytes:
    if metadata is None:
        metadata = {}  # Vecs stores {} for a record without metadata
    if not isinstance(metadata, dict):
        raise RowProblem(f"metadata must be a JSON object, got {json_kind(metadata)}")
    try:
        text = json.dumps(metadata, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise RowProblem(f"metadata is not JSON: {error}") from None
    if "\\u0000" in text:
        raise RowProblem("metadata holds a NUL character (\\u0000), which jsonb cannot store")
    return b"\x01" + text.encode("utf-8")  # jsonb binary format version 1, then the text
