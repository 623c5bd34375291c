"""How error messages name a JSON value's type, the same for filters, ids and metadata."""

from __future__ import annotations

from typing import Any


def json_kind(value: Any) -> str:
    """How an error names a JSON value's type ("an object", "a number", ...)."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for cls, name in names.items():
        if isinstance(value, cls):
            return name
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__
