"""PostgreSQL's COPY binary format for the staging table (seq bigint, id, vec, metadata)."""

from __future__ import annotations

import struct
from typing import Iterable

from .records import EncodedRow

# Signature, flags (no OIDs), header extension length.
HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
_FIELDS = struct.pack(">h", 4)
_SEQ = struct.Struct(">iq")
_LENGTH = struct.Struct(">i")


def encode_tuple(seq: int, row: EncodedRow) -> bytes:
    return b"".join(
        (
            _FIELDS,
            _SEQ.pack(8, seq),
            _LENGTH.pack(len(row.id)), row.id,
            _LENGTH.pack(len(row.vector)), row.vector,
            _LENGTH.pack(len(row.metadata)), row.metadata,
        )
    )


def encode_tuples(first_seq: int, rows: Iterable[EncodedRow]) -> bytes:
    """Tuples for rows numbered from first_seq (the stream needs HEADER before and TRAILER after)."""
    return b"".join(encode_tuple(first_seq + offset, row) for offset, row in enumerate(rows))
