"""pgvector's text form `[1,2,3]`: how query vectors go in and fetched vectors come out."""

from __future__ import annotations

import json
from array import array


def vector_text(values: array) -> str:
    """pgvector's text form `[1,2,3]`, for a query parameter."""
    return "[" + ",".join(repr(value) for value in values) + "]"


def parse_vector_text(text: str) -> list[float]:
    """pgvector's text output back to floats."""
    return [float(part) for part in json.loads(text)]
