"""Tell the indexes on vecs tables apart: vector index, metadata GIN, promoted-field index."""

from __future__ import annotations

from typing import Any, Callable, Iterator

from vtopo.catalog import objects as o
from vtopo.catalog.model import CatalogObject

# pgvector's defaults when an index was built without WITH (...).
DEFAULT_PARAMS = {"hnsw": {"m": 16, "ef_construction": 64}, "ivfflat": {"lists": 100}}


def _params(method: str, options: list[str] | None) -> dict[str, int]:
    params = dict(DEFAULT_PARAMS[method])
    for item in options or []:
        key, _, value = item.partition("=")
        if key in params and value.isdigit():
            params[key] = int(value)
    return params


def _preference(row: dict[str, Any]) -> tuple:
    # The index that stands for the collection: valid first, then Vecs-named, then by name.
    return (not row["valid"], not row["name"].lower().startswith("ix_"), row["name"])


def classify_indexes(
    database: str, rows: list[dict[str, Any]], read_marker: Callable[[str | None], dict | None]
) -> Iterator[CatalogObject]:
    vector_rows: dict[str, list[dict[str, Any]]] = {}
    gin_rows: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        columns = row["columns"] or []
        if row["method"] in DEFAULT_PARAMS and columns == ["vec"]:
            vector_rows.setdefault(row["table_name"], []).append(row)
        elif row["method"] == "gin" and columns == ["metadata"] and (row["opclasses"] or [None])[0] == "jsonb_path_ops":
            gin_rows.setdefault(row["table_name"], []).append(row)
        else:
            marker = read_marker(row["comment"])
            if marker and "field" in marker:
                yield o.metadata_index(
                    database,
                    row["table_name"],
                    marker["field"],
                    field_type=marker.get("type", ""),
                    index_name=row["name"],
                    valid=row["valid"],
                )
    for table, candidates in vector_rows.items():
        for position, row in enumerate(sorted(candidates, key=_preference)):
            obj = o.vector_index(
                database,
                table,
                method=row["method"],
                opclass=(row["opclasses"] or [""])[0],
                params=_params(row["method"], row["options"]),
                valid=row["valid"],
                index_name=row["name"],
                key_name=None if position == 0 else f"{table}#{row['name']}",
            )
            # Extra vector indexes are vtopo's to drop only if they look like Vecs/vtopo ones.
            if position and not row["name"].lower().startswith("ix_"):
                obj = o.unmanaged(obj)
            yield obj
    for table, candidates in gin_rows.items():
        row = sorted(candidates, key=_preference)[0]
        yield o.metadata_index(database, table, "*", field_type="gin", index_name=row["name"], valid=row["valid"])
