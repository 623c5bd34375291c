"""Where a sharded collection's buckets are now: the map in effect (which shard the primary
reads each bucket from) and the copies a rebalance has yet to delete. Both live in the marker of
the primary's view (what reads go by), so a flip of owners and its record are one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from vtopo.catalog.names import MARKER

from .placement import BucketMap, normalised, placement


@dataclass(frozen=True)
class ShardState:
    owned: BucketMap  # shard -> the buckets the primary reads from it
    draining: BucketMap = field(default_factory=dict)  # shard -> buckets moved away whose rows it still holds
    receiving: BucketMap = field(default_factory=dict)  # shard -> buckets being copied to it, not yet its own

    def filtered(self, shard: str) -> bool:
        """Whether reads of `shard` must be limited to its own buckets: only while it holds rows
        of buckets it does not own (a move in flight). Otherwise it is read whole, as fast as a
        collection of its own (a bucket filter costs a hash per row and can keep a search off
        the vector index)."""
        return bool(self.draining.get(shard) or self.receiving.get(shard))

    def guard(self, shard: str) -> tuple[list[int], list[int]]:
        """What `shard`'s table takes from writers: (writable, frozen). Inserts and updates only
        in the buckets it owns and that are not being copied away; deletes are refused only in
        those being copied (the copy would bring the row back). A move's own statements pass
        (kinds/shard_guard.py)."""
        moving = {bucket for buckets in self.receiving.values() for bucket in buckets}
        owned = set(self.owned.get(shard, []))
        return sorted(owned - moving), sorted(owned & moving)

    @classmethod
    def placed(cls, shards: list[str]) -> ShardState:
        return cls(placement(shards))

    def leftovers(self) -> BucketMap:
        """shard -> buckets it holds rows of without owning them (an interrupted move's)."""
        found = {shard: sorted({*self.draining.get(shard, []), *self.receiving.get(shard, [])})
                 for shard in {*self.draining, *self.receiving}}
        return {shard: buckets for shard, buckets in sorted(found.items()) if buckets}

    def holds(self, shard: str) -> bool:
        """Whether `shard` owns buckets or holds rows of some (copies a move has yet to delete)."""
        return bool(self.owned.get(shard) or self.draining.get(shard) or self.receiving.get(shard))

    def holding(self, wanted: list[str]) -> list[str]:
        """The shards with a part of the collection: the wanted ones, then any other that still
        owns or holds buckets (its rows move before it is let go)."""
        extra = [shard for shard in (*self.owned, *self.draining, *self.receiving) if shard not in wanted and self.holds(shard)]
        return [*wanted, *dict.fromkeys(extra)]

    def entries(self, wanted: list[str], table_of) -> list[dict[str, Any]]:
        """The view's per-shard entries: {shard, table, buckets[, draining]}."""
        result = []
        for shard in self.holding(wanted):
            entry: dict[str, Any] = {"shard": shard, "table": table_of(shard), "buckets": sorted(self.owned.get(shard, [])),
                                     "filtered": self.filtered(shard)}
            for key, found in (("draining", self.draining), ("receiving", self.receiving)):
                if found.get(shard):
                    entry[key] = sorted(found[shard])
            result.append(entry)
        return result

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]]) -> ShardState:
        return cls(normalised({e["shard"]: e.get("buckets", []) for e in entries}),
                   normalised({e["shard"]: e["draining"] for e in entries if e.get("draining")}),
                   normalised({e["shard"]: e["receiving"] for e in entries if e.get("receiving")}))


def state_from_marker(comment: str | None) -> ShardState | None:
    """The state a view's `vtopo:` marker holds, or None (no view, not sharded, not vtopo's)."""
    if not comment or not comment.startswith(MARKER):
        return None
    try:
        entries = json.loads(comment[len(MARKER):]).get("shards")
    except (ValueError, AttributeError):
        return None
    return ShardState.from_entries(entries) if isinstance(entries, list) else None
