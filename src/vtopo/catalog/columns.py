"""The columns of an exposure view, a foreign table and an exposed view (all the same)."""

from __future__ import annotations

# Topology metadata types -> the PostgreSQL type of their promoted column.
PG_TYPE_NAMES = {
    "text": "text",
    "integer": "integer",
    "bigint": "bigint",
    "numeric": "numeric",
    "boolean": "boolean",
    "timestamptz": "timestamp with time zone",
}
TYPE_FROM_PG = {pg: name for name, pg in PG_TYPE_NAMES.items()}
# A shard's exposure view (and the primary's foreign table over it) ends with the row's bucket
# (shards/placement.py), so the primary can read only the buckets the shard owns.
BUCKET_COLUMN = ["vtopo_bucket", "integer"]


def view_columns(vector_type: str, dimension: int, fields: dict[str, str]) -> list[list[str]]:
    """(name, PostgreSQL type) of every column: id, embedding, metadata, then the promoted fields."""
    columns = [["id", "character varying"], ["embedding", f"{vector_type}({dimension})"], ["metadata", "jsonb"]]
    columns.extend([name, PG_TYPE_NAMES[field_type]] for name, field_type in fields.items())
    return columns


def fields_of(columns: list[list[str]]) -> dict[str, str]:
    """The promoted fields (name -> topology type) of a live view's columns."""
    return {name: TYPE_FROM_PG.get(pg_type, pg_type) for name, pg_type in columns[3:] if [name, pg_type] != BUCKET_COLUMN}
