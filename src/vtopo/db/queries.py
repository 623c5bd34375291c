"""Named query files (`templates/queries/<group>/<name>.sql`): the one way to read and run them.

Plain `.sql` files take their values as parameters (%s / %(name)s), never pasted in;
queries that need identifiers are Jinja templates rendered by vtopo.render.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import psycopg
from psycopg.rows import dict_row

from vtopo.resources import templates_dir


@lru_cache(maxsize=None)
def query_text(name: str) -> str:
    """The text of `templates/queries/<name>.sql` (name: "introspect/roles")."""
    return (templates_dir() / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def fetch_all(conn: psycopg.Connection, name: str, params: Any = None) -> list[dict[str, Any]]:
    """Run a named query; its rows as dicts."""
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(query_text(name), params)
        return cursor.fetchall() if cursor.description else []
