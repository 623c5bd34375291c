"""Where a sharded collection's rows live: a fixed number of buckets, a bucket per id, an owner
per bucket.

- bucket(id) = the first 4 bytes of md5(id), big-endian, modulo BUCKETS. The same in SQL
  (the `bucket` macro of templates/ddl/_macros.sql.j2: a shard's exposure view's
  `vtopo_bucket` column), so the primary can filter by it and every shard computes it.
- owner(bucket) = the shard with the highest md5("<shard>/<bucket>") (rendezvous hashing): a
  function of the shard list alone, so adding a shard moves only the buckets it wins (about
  1/N of them) and removing one moves only its own.

The map in effect is what the primary's view and search function read (their markers hold
it); the one this module computes is where a plan wants the buckets to be.
"""

from __future__ import annotations

import hashlib
from typing import Iterable, Mapping

from vtopo.catalog.names import BUCKETS

BucketMap = dict[str, list[int]]  # shard -> the buckets it owns, ascending


def bucket_of(id_: str) -> int:
    return bucket_of_key(id_.encode("utf-8"))


def bucket_of_key(encoded_id: bytes) -> int:
    """bucket_of for an id already encoded as UTF-8 (as COPY sends it)."""
    return int.from_bytes(hashlib.md5(encoded_id).digest()[:4], "big") % BUCKETS


def _weight(shard: str, bucket: int) -> int:
    return int.from_bytes(hashlib.md5(f"{shard}/{bucket}".encode("utf-8")).digest()[:8], "big")


def placement(shards: Iterable[str]) -> BucketMap:
    """The bucket map a shard list asks for."""
    shards = list(shards)
    owned: BucketMap = {shard: [] for shard in shards}
    for bucket in range(BUCKETS):
        owned[max(shards, key=lambda shard: (_weight(shard, bucket), shard))].append(bucket)
    return owned


def owners(bucket_map: Mapping[str, Iterable[int]]) -> dict[int, str]:
    """bucket -> shard."""
    return {bucket: shard for shard, buckets in bucket_map.items() for bucket in buckets}


def moves(current: Mapping[str, Iterable[int]], wanted: Mapping[str, Iterable[int]]) -> list[tuple[int, str, str]]:
    """(bucket, from shard, to shard) for every bucket whose owner changes, by bucket."""
    before, after = owners(current), owners(wanted)
    return [(bucket, before[bucket], after[bucket]) for bucket in sorted(after) if before.get(bucket) != after[bucket]]


def normalised(bucket_map: Mapping[str, Iterable[int]]) -> BucketMap:
    return {shard: sorted(int(b) for b in buckets) for shard, buckets in sorted(bucket_map.items())}


def flows(moved: Iterable[tuple[int, str, str]]) -> dict[tuple[str, str], list[int]]:
    """(from shard, to shard) -> buckets, for moves as `moves` gives them."""
    found: dict[tuple[str, str], list[int]] = {}
    for bucket, source, target in moved:
        found.setdefault((source, target), []).append(bucket)
    return found
