"""Reading EXPLAIN (FORMAT JSON) output: what reached the remote, which index served a query.

Pure functions: the probe runs the queries, these decide pass or fail and say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class CheckResult:
    collection: str
    database: str
    check: str
    passed: bool | None  # None: not applicable (skipped), or a warning
    detail: str
    warning: bool = False  # passed is None: works, but needs a look (a lagging replica)


def _nodes(plan: Any) -> Iterator[dict[str, Any]]:
    if isinstance(plan, list):
        for item in plan:
            yield from _nodes(item)
    elif isinstance(plan, dict):
        if "Node Type" in plan:
            yield plan
        for value in plan.values():
            if isinstance(value, (list, dict)):
                yield from _nodes(value)


def remote_sql(plan: Any) -> list[str]:
    return [node["Remote SQL"] for node in _nodes(plan) if "Remote SQL" in node]


def remote_sql_by_relation(plan: Any) -> dict[str, str]:
    """The Remote SQL of each foreign scan, by the foreign table it scans (a shard's own)."""
    return {node["Relation Name"]: node["Remote SQL"] for node in _nodes(plan) if "Remote SQL" in node and "Relation Name" in node}


def indexes_used(plan: Any) -> set[str]:
    return {node["Index Name"] for node in _nodes(plan) if "Index Name" in node}


def _has(sql: str, *clauses: str) -> list[str]:
    return [clause for clause in clauses if not re.search(rf"\b{clause}\b", sql)]


def shipped(plan: Any, *clauses: str, column: str | None = None) -> tuple[bool, str]:
    """Did one foreign scan carry all `clauses` (and a condition on `column`) to the remote?"""
    sqls = remote_sql(plan)
    if not sqls:
        return False, "no foreign scan in the plan"
    for sql in sqls:
        missing = _has(sql, *clauses)
        if column is not None and not re.search(rf"\bWHERE\b.*\b{re.escape(column)}\b", sql, flags=re.S):
            missing.append(f"condition on {column}")
        if not missing:
            return True, f"Remote SQL: {_shorten(sql)}"
    return False, f"not shipped ({', '.join(missing)} stay on the primary); Remote SQL: {_shorten(sqls[0])}"


def served_by(plan: Any, expected: set[str]) -> tuple[bool, str]:
    used = indexes_used(plan)
    hit = used & expected
    if hit:
        return True, f"index scan on {', '.join(sorted(hit))}"
    if used:
        return False, f"uses {', '.join(sorted(used))}, not {', '.join(sorted(expected))}"
    return False, f"no index can serve it (expected {', '.join(sorted(expected)) or 'an index'})"


def _shorten(sql: str, limit: int = 160) -> str:
    sql = re.sub(r"'\[[^']{40,}\]'", "'[…]'", sql)  # a 384-dim vector literal says nothing
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"
