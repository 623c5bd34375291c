"""The bucket map in effect for a sharded collection: what the primary's view reads (its marker
holds the map, and the view's WHERE per shard is that map), read from the primary."""

from __future__ import annotations

import json

import psycopg

from vtopo.catalog.names import MARKER
from vtopo.db.queries import fetch_all

from .placement import BucketMap, normalised


def map_from_marker(comment: str | None) -> BucketMap | None:
    """The map a view's `vtopo:` marker holds, or None (no view, not sharded, not vtopo's)."""
    if not comment or not comment.startswith(MARKER):
        return None
    try:
        shards = json.loads(comment[len(MARKER):]).get("shards")
    except (ValueError, AttributeError):
        return None
    if not isinstance(shards, list):
        return None
    return normalised({shard["shard"]: shard["buckets"] for shard in shards})


def map_in_effect(primary: psycopg.Connection, view: str) -> BucketMap | None:
    """The map the primary's view `schema.name` reads by, or None when it has none."""
    rows = fetch_all(primary, "shards/view_marker", {"view": view})
    return map_from_marker(rows[0]["comment"] if rows else None)
