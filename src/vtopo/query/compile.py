"""Filter tree -> the node tree `templates/query/filter.sql.j2` renders, plus its parameters.

Every field name and value becomes a numbered query parameter (`%(v0)s`):
nothing a user typed is ever part of the SQL text. Which SQL shape a node
gets is decided here; how it is spelled lives in the template.

Direct, the SQL is Vecs's own (same operators, so the same indexes: GIN
jsonb_path_ops for `@>`). Through the primary's view two things change so
postgres_fdw can ship the filter to the secondary: `metadata -> 'k'` becomes
`metadata['k']` (`->` with a text key is never shipped because of collation
rules; subscripting is, and yields the same jsonb for an object), and
`jsonb_typeof(x) = 'array'` becomes `x @> '[]'` (true exactly for arrays).

Promoted fields (`promoted`: field -> type) are also compared through their
typed form: the view's column through the primary (so postgres_fdw ships it),
direct the very expression the field's B-tree index is built on. A `$eq`/`$in`
with strings on a text field adds the typed test to the jsonb one. An indexed
integer, bigint, numeric or boolean field (`indexed`) answers `$eq`, `$in`
and the range operators from the typed form (typed.py), keeping the jsonb test
only for rows whose typed value is NULL. Everything else keeps the jsonb form.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from .filters import Condition, Logical, Node
from .typed import TYPED_KINDS, typed_text

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


def compile_filter(
    tree: Node | None, *, promoted: Mapping[str, str] | None = None, indexed: Collection[str] = ()
) -> tuple[dict | None, dict[str, Any]]:
    """(template node or None, parameters). `promoted`: field -> type of the typed columns
    (view) or index expressions (direct); `indexed`: the fields with a B-tree index."""
    params = Parameters()
    if tree is None:
        return None, params.values
    typed = {name: kind for name, kind in (promoted or {}).items() if kind in TYPED_KINDS and name in indexed}
    texts = {name for name, kind in (promoted or {}).items() if kind == "text"}
    return _node(tree, params, typed, texts), params.values


def _node(tree: Node, params: Parameters, typed: Mapping[str, str], texts: set[str]) -> dict:
    if isinstance(tree, Logical):
        return {"kind": "logical", "and": tree.operator == "$and",
                "parts": [_node(part, params, typed, texts) for part in tree.parts]}
    return _condition(tree, params, typed, texts)


def _condition(cond: Condition, params: Parameters, typed: Mapping[str, str], texts: set[str]) -> dict:
    if cond.field in typed:
        node = _typed(cond, typed[cond.field], params)
        if node is not None:
            return node
    if cond.uses_containment:
        return _containment(cond, params)
    if cond.field in texts and _strings_only(cond):
        # The typed column finds the rows (index, shipped); the jsonb test keeps
        # Vecs's meaning (a number 5 has ->> '5' but is not the string "5").
        values = [params.add(value) for value in _operands(cond)]
        return {"kind": "promoted", "column": cond.field, "in": cond.operator == "$in", "texts": values,
                "exact": _plain(cond, params)}
    return _plain(cond, params)


def _typed(cond: Condition, kind: str, params: Parameters) -> dict | None:
    """`typed op value`, with the jsonb test for the rows whose typed value is NULL unless
    no such row can match; None when the typed form cannot decide any row ($ne and
    $contains need the jsonb form for every row; a value of another JSON type never
    equals a typed value)."""
    if cond.operator in ("$ne", "$contains") or (cond.operator == "$eq" and not cond.uses_containment):
        return None
    operands = _operands(cond)
    values = [text for text in (typed_text(kind, value) for value in operands) if text is not None]
    if not values:
        return None
    op = "in" if cond.operator == "$in" else COMPARISON_NAMES[cond.operator]
    node = {"kind": "typed", "field": cond.field, "type": kind, "op": op,
            "values": [params.add(value) for value in values], "rest": None}
    # $eq / $in with only typed values: a row matching them has a typed value, so NULL rows never match.
    if not (cond.operator in ("$eq", "$in") and len(values) == len(operands)):
        node["rest"] = _plain(cond, params)
    return node


def _containment(cond: Condition, params: Parameters) -> dict:
    return {"kind": "contains", "document": params.add_json({cond.field: cond.value})}


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
