"""A vector checked against its collection's shape (numbers, dimension, range).

Shared by queries (the query vector), upserts and `vtopo load`: the same
problems give the same words wherever they are found.
"""

from __future__ import annotations

import json
import math
from array import array
from typing import Any

from .shape import VectorShape

HALFVEC_MAX = 65504.0  # largest finite IEEE half float


class VectorProblem(ValueError):
    """What is wrong with one vector; the caller adds where it was found."""


def check_vector(values: Any, shape: VectorShape) -> array:
    """The values as float32 (what pgvector stores), or VectorProblem."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise VectorProblem(f"the vector must be a list of numbers, got {_kind(values)}")
    if not isinstance(values, (list, tuple)):
        values = list(values)  # numpy arrays, generators
    # bool is an int to Python and to array('f'); a vector of booleans is a mistake.
    if bool in set(map(type, values)):
        raise VectorProblem("the vector holds true/false values; it must hold numbers only")
    try:
        floats = array("f", values)
    except OverflowError:  # an integer beyond any float
        raise VectorProblem("the vector holds NaN or infinity (or a value too large for float32)") from None
    except (TypeError, ValueError):
        bad = next((v for v in values if not _is_number(v)), None)
        raise VectorProblem(f"the vector holds a non-numeric value: {_show(bad)}") from None
    if len(floats) != shape.dimension:
        raise VectorProblem(f"the vector has {len(floats)} values; the collection holds {shape}")
    if not math.isfinite(sum(floats)):
        raise VectorProblem("the vector holds NaN or infinity (or a value too large for float32)")
    if shape.type == "halfvec" and max(map(abs, floats), default=0.0) > HALFVEC_MAX:
        raise VectorProblem(f"a value is out of range for halfvec (at most ±{HALFVEC_MAX:g})")
    return floats


def _is_number(value: Any) -> bool:
    try:
        array("f", [value])
    except (TypeError, ValueError):
        return False
    except OverflowError:
        return True
    return True


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "an object"
    if value is None:
        return "null"
    return type(value).__name__


def _show(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, list, dict, type(None))) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
