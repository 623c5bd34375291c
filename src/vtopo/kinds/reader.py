"""The catalog queries of one database, run once each and shared by every kind.

Kinds ask for rows by query name (`templates/queries/introspect/<name>.sql`); a query
runs the first time any kind asks and is reused after, so a database costs a fixed
number of queries whatever the number of kinds or collections. Kinds are read in
rank order, so a kind can look at what earlier kinds found (grants check that the
relation they are on is vtopo's).
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from vtopo.catalog.model import CatalogObject, Key, ObjectKind
from vtopo.catalog.names import MARKER
from vtopo.db.queries import fetch_all


class CatalogReader:
    def __init__(self, conn: psycopg.Connection, database: str, wanted: dict[ObjectKind, list[str]]) -> None:
        self.conn = conn
        self.database = database
        self._wanted = wanted
        self._rows: dict[str, tuple[Any, list[dict[str, Any]]]] = {}
        self.found: dict[Key, CatalogObject] = {}
        self.queries = 0

    def rows(self, name: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of a named introspection query (run once; later calls must pass the same params)."""
        if name in self._rows:
            cached_params, rows = self._rows[name]
            assert cached_params == params, f"introspect/{name} asked for with other parameters"
            return rows
        self.queries += 1
        rows = fetch_all(self.conn, f"introspect/{name}", params)
        self._rows[name] = (params, rows)
        return rows

    def wanted(self, kind: ObjectKind) -> list[str]:
        """Names the desired state gives objects of this kind here (to find look-alikes)."""
        return self._wanted.get(kind, [])

    @property
    def who(self) -> dict[str, Any]:
        """The connected user, whether it is a superuser, may read pg_authid, and the server version."""
        return self.rows("privilege")[0]


def read_marker(comment: str | None) -> dict[str, Any] | None:
    """The JSON vtopo writes after `vtopo:` in the comment of what it creates; None: not vtopo's."""
    if not comment or not comment.startswith(MARKER):
        return None
    try:
        data = json.loads(comment[len(MARKER):])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def options_of(items: list[str] | None) -> dict[str, str]:
    """PostgreSQL's `key=value` option arrays as a mapping."""
    return dict(item.split("=", 1) for item in (items or []) if "=" in item)
