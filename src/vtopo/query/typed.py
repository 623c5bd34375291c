"""A filter value as the typed value of a promoted integer, bigint, numeric or boolean field.

A promoted field's typed expression (templates/ddl/_macros.sql.j2, `promoted`) is the
JSON value cast to the field's type when it has that JSON type (and for integer and
bigint: is integral and within range), else NULL. Where it is not NULL it compares
exactly as Vecs's jsonb comparison does (jsonb numbers compare as numeric, booleans
false < true), so `typed op value` decides those rows; rows where it is NULL keep the
jsonb test. A value the typed expression can never equal (a string, a non-integral
number for an integer field, ...) has no typed form.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

# As the `promoted` macro: integral numbers whose absolute value is at most this.
INTEGER_BOUNDS = {"integer": 2147483647, "bigint": 9223372036854775807}
# Field types whose typed expression answers comparisons (text and timestamptz do not:
# Vecs compares their values as JSON strings, not as typed values).
TYPED_KINDS = ("integer", "bigint", "numeric", "boolean")


def typed_text(kind: str, value: Any) -> str | None:
    """The value as input text for `kind` (a query parameter cast to it), or None."""
    if kind == "boolean":
        return ("true" if value else "false") if isinstance(value, bool) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    # The jsonb side reads the number from its JSON text: the typed side must read the same.
    number = json.dumps(value)
    if kind == "numeric":
        return number
    exact = Decimal(number)
    if exact != exact.to_integral_value() or abs(exact) > INTEGER_BOUNDS[kind]:
        return None
    return str(int(exact))
