"""The Vecs metadata filter language, parsed into a small tree.

Everything Vecs refuses (vecs.collection.build_filters raises FilterError) is
refused here too. The forms Vecs accepts but silently turns into "match
nothing" or "match everything" are refused as well, with a message that says
what to write instead: a bare value (`{"k": 2020}`), an empty condition
(`{"k": {}}`, `{"$and": [{}]}`), an empty `$and`/`$or` list and any other
`$` key at the place of a field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Union

from vtopo.vectors.json_kinds import json_kind

from .errors import FilterError

COMPARISONS = ("$eq", "$ne", "$lt", "$lte", "$gt", "$gte")
OPERATORS = (*COMPARISONS, "$in", "$contains")
LOGICAL = ("$and", "$or")
# Vecs's notion of a scalar for $in / $contains (bool passes as an int).
SCALARS = (int, str, float)


@dataclass(frozen=True)
class Condition:
    """`{field: {operator: value}}`."""

    field: str
    operator: str
    value: Any

    @property
    def uses_containment(self) -> bool:
        # Vecs: $eq on a value without __len__ (number, bool, null) becomes
        # `metadata @> {"field": value}`, which the GIN jsonb_path_ops index serves.
        return self.operator == "$eq" and not hasattr(self.value, "__len__")


@dataclass(frozen=True)
class Logical:
    """`{"$and": [...]}` or `{"$or": [...]}`."""

    operator: str
    parts: tuple["Node", ...]


Node = Union[Condition, Logical]


def parse_filter(filters: Any) -> Node | None:
    """The filter tree, or None for no filter (None or `{}`, as in Vecs)."""
    if filters is None:
        return None
    if isinstance(filters, dict) and not filters:
        return None
    return _parse(filters, "")


def parse_filter_json(text: str, source: str = "--filter") -> Node | None:
    """Parse a filter given as JSON text (CLI); a syntax error names the position."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FilterError(
            f"{source} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
            hint='example: --filter \'{"year": {"$gte": 2020}}\'',
        ) from None
    return parse_filter(data)


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _parse(node: Any, path: str) -> Node:
    if not isinstance(node, dict):
        raise FilterError(f"must be an object like {{\"field\": {{\"$eq\": value}}}}, got {json_kind(node)}", path=path)
    if not node:
        raise FilterError("an empty condition {} matches nothing in Vecs; remove it", path=path)
    if len(node) > 1:
        keys = ", ".join(json.dumps(k) if isinstance(k, str) else repr(k) for k in node)
        raise FilterError(
            f"one field or $and/$or per object, got {keys}",
            path=path,
            hint='combine conditions with {"$and": [{"a": {"$eq": 1}}, {"b": {"$eq": 2}}]}',
        )
    key, value = next(iter(node.items()))
    if not isinstance(key, str):
        raise FilterError(f"keys must be strings, got {key!r}", path=path)
    here = _where(path, key)
    if key in LOGICAL:
        return _parse_logical(key, value, here)
    if key.startswith("$"):
        raise FilterError(
            f"unknown logical operator {key!r}: use $and or $or "
            "(Vecs would read it as a field name and match nothing)",
            path=path,
        )
    return _parse_condition(key, value, here)


def _parse_logical(operator: str, value: Any, path: str) -> Logical:
    if not isinstance(value, list):
        raise FilterError(f"{operator} needs a list of conditions, got {json_kind(value)}", path=path)
    if not value:
        raise FilterError(
            f"{operator} needs at least one condition (Vecs would ignore it and match every row)", path=path
        )
    parts = tuple(_parse(part, f"{path}[{index}]") for index, part in enumerate(value))
    return Logical(operator, parts)


def _parse_condition(field: str, value: Any, path: str) -> Condition:
    if not isinstance(value, dict):
        raise FilterError(
            f"give an operator: {{{json.dumps(field)}: {{\"$eq\": {_show(value)}}}}} "
            "(a bare value matches nothing in Vecs)",
            path=path,
        )
    if not value:
        raise FilterError(
            f"no operator (an empty condition matches nothing in Vecs); use one of {', '.join(OPERATORS)}", path=path
        )
    if len(value) > 1:
        raise FilterError(f"only one operator per field, got {', '.join(map(str, value))}", path=path,
                          hint="combine them with $and")
    operator, operand = next(iter(value.items()))
    if operator not in OPERATORS:
        raise FilterError(f"unknown operator {operator!r}; use one of {', '.join(OPERATORS)}", path=path)
    where = f"{path}.{operator}"
    if operator == "$in":
        if not isinstance(operand, list):
            raise FilterError(f"$in needs a list of scalars, got {json_kind(operand)}", path=where)
        for item in operand:
            if not isinstance(item, SCALARS):
                raise FilterError(f"$in needs a list of scalars (strings, numbers, booleans), got {_show(item)}",
                                  path=where)
    elif operator == "$contains":
        if not isinstance(operand, SCALARS):
            raise FilterError(f"$contains needs a scalar (string, number, boolean), got {json_kind(operand)}", path=where)
    _check_json(operand, where)
    return Condition(field, operator, operand)


def _check_json(value: Any, path: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise FilterError(f"the value is not JSON: {error}", path=path) from None


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
