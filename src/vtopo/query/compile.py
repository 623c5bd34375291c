"""Filter tree -> the node tree `templates/query/filter.sql.j2` renders, plus its parameters.

Every field name and value becomes a numbered query parameter (`%(v0)s`):
nothing a user typed is ever part of the SQL text. Which SQL shape a node
gets is decided here; how it is spelled lives in the template.

Direct, the SQL is Vecs's own (same operators, so the same indexes: GIN
jsonb_path_ops for `@>`). Through the primary's view two things change so
postgres_fdw can ship the filter to the secondary: `metadata -> 'k'` becomes
`metadata['k']` (`->` with a text key is never shipped because of collation
rules; subscripting is, and yields the same jsonb for an object), and
`jsonb_typeof(x) = 'array'` becomes `x @> '[]'` (true exactly for arrays). A
`$eq`/`$in` with strings on a promoted text field also compares the view's
typed column, which the remote B-tree index serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from .filters import Condition, Logical, Node

COMPARISON_NAMES = {"$eq": "eq", "$ne": "ne", "$lt": "lt", "$lte": "lte", "$gt": "gt", "$gte": "gte"}


@dataclass
class Parameters:
    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> int:
        index = len(self.values)
        self.values[f"v{index}"] = value
        return index

    def add_json(self, value: Any) -> int:
        return self.add(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def compile_filter(tree: Node | None, *, promoted: Mapping[str, str] | None = None) -> tuple[dict | None, dict[str, Any]]:
    """(template node or None, parameters). `promoted`: field -> type of the view's typed columns."""
    params = Parameters()
    if tree is None:
        return None, params.values
    return _node(tree, params, promoted or {}), params.values


def _node(tree: Node, params: Parameters, promoted: Mapping[str, str]) -> dict:
    if isinstance(tree, Logical):
        return {"kind": "logical", "and": tree.operator == "$and",
                "parts": [_node(part, params, promoted) for part in tree.parts]}
    return _condition(tree, params, promoted)


def _condition(cond: Condition, params: Parameters, promoted: Mapping[str, str]) -> dict:
    if cond.uses_containment:
        return {"kind": "contains", "document": params.add_json({cond.field: cond.value})}
    text_column = promoted.get(cond.field) == "text"
    if text_column and _strings_only(cond):
        # The typed column finds the rows (index, shipped); the jsonb test keeps
        # Vecs's meaning (a number 5 has ->> '5' but is not the string "5").
        texts = [params.add(value) for value in _operands(cond)]
        return {"kind": "promoted", "column": cond.field, "in": cond.operator == "$in", "texts": texts,
                "exact": _plain(cond, params)}
    return _plain(cond, params)


def _plain(cond: Condition, params: Parameters) -> dict:
    if cond.operator == "$in" and not cond.value:
        return {"kind": "in", "key": None, "values": []}  # nothing is in an empty list (Vecs: same)
    key = params.add(cond.field)
    if cond.operator == "$in":
        return {"kind": "in", "key": key, "values": [params.add_json(value) for value in cond.value]}
    if cond.operator == "$contains":
        return {"kind": "array_contains", "key": key, "value": params.add_json(cond.value)}
    return {"kind": "compare", "op": COMPARISON_NAMES[cond.operator], "key": key, "value": params.add_json(cond.value)}


def _operands(cond: Condition) -> list[Any]:
    return list(cond.value) if cond.operator == "$in" else [cond.value]


def _strings_only(cond: Condition) -> bool:
    if cond.operator == "$eq":
        return isinstance(cond.value, str)
    if cond.operator == "$in":
        return bool(cond.value) and all(isinstance(value, str) for value in cond.value)
    return False
