"""PostgreSQL's COPY binary stream: what comes before and after the tuples (batch.py encodes those)."""

from __future__ import annotations

import struct

# Signature, flags (no OIDs), header extension length.
HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
