"""A record's id and metadata checked and encoded for COPY (vectors: batch.py).

The same checks serve `vtopo load` and the Python API's upsert, so a bad
record gets the same words wherever it comes from.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from .json_kinds import json_kind


class RowProblem(ValueError):
    """What is wrong with one record; the caller says where it is (file:line, record index)."""


def encode_id(row_id: Any) -> bytes:
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


def encode_metadata(metadata: Any) -> bytes:
    if metadata is None:
        metadata = {}  # Vecs stores {} for a record without metadata
    if not isinstance(metadata, dict):
        raise RowProblem(f"metadata must be a JSON object, got {json_kind(metadata)}")
    try:
        text = orjson.dumps(metadata, option=orjson.OPT_NON_STR_KEYS)
    except TypeError as error:  # orjson.JSONEncodeError: an unserialisable value, an int beyond 64 bits
        raise RowProblem(f"metadata is not JSON: {error}") from None
    if b"null" in text and _holds_non_finite(metadata):  # orjson writes NaN and infinity as null
        raise RowProblem("metadata is not JSON: it holds NaN or infinity")
    return metadata_bytes(text)


def metadata_bytes(text: bytes) -> bytes:
    """jsonb's binary form of a JSON object's UTF-8 text: version 1, then the text."""
    if b"\\u0000" in text:
        raise RowProblem("metadata holds a NUL character (\\u0000), which jsonb cannot store")
    return b"\x01" + text


def _holds_non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_holds_non_finite(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_non_finite(item) for item in value)
    return False
