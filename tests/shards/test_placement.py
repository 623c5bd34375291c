"""Placement of a sharded collection's ids: stable buckets, rendezvous owners that move only
what a shard change must move, and the state a rebalance records."""

from __future__ import annotations

import hashlib

from vtopo.shards.placement import BUCKETS, bucket_of, moves, owners, placement
from vtopo.shards.state import ShardState, state_from_marker


def test_a_bucket_is_the_first_four_bytes_of_md5_modulo_the_bucket_count():
    for row_id in ("doc-1", "", "ünïcode", "x" * 300):
        assert bucket_of(row_id) == int(hashlib.md5(row_id.encode()).hexdigest()[:8], 16) % BUCKETS


def test_every_bucket_has_exactly_one_owner_and_shares_are_even():
    for shards in (["a", "b"], ["a", "b", "c"], [f"pod{i}" for i in range(8)]):
        owned = placement(shards)
        assert sorted(b for buckets in owned.values() for b in buckets) == list(range(BUCKETS))
        expected = BUCKETS / len(shards)
        assert all(0.6 * expected <= len(buckets) <= 1.4 * expected for buckets in owned.values()), owned


def test_adding_a_shard_moves_only_what_it_wins_and_removing_one_only_its_own():
    before = placement(["a", "b", "c"])
    after = placement(["a", "b", "c", "d"])
    moved = moves(before, after)
    assert moved and all(target == "d" for _, _, target in moved)
    assert len(moved) == len(after["d"]) and 0.15 * BUCKETS <= len(moved) <= 0.35 * BUCKETS
    shrunk = placement(["a", "c", "d"])
    assert all(source == "b" for _, source, _ in moves(after, shrunk))
    assert {bucket for bucket, _, _ in moves(after, shrunk)} == set(after["b"])


def test_the_order_of_the_shard_list_does_not_matter():
    assert owners(placement(["a", "b", "c"])) == owners(placement(["c", "a", "b"]))


def test_a_shard_keeps_its_part_while_it_owns_or_holds_buckets():
    state = ShardState({"a": [0, 1], "b": [2], "old": [3]}, draining={"gone": [4]}, receiving={"c": [5]})
    assert state.holding(["a", "b", "c"]) == ["a", "b", "c", "old", "gone"]
    assert not state.filtered("a") and state.filtered("gone") and state.filtered("c")
    entries = state.entries(["a", "b", "c"], lambda shard: f"t__{shard}")
    assert entries[2] == {"shard": "c", "table": "t__c", "buckets": [], "filtered": True, "receiving": [5]}
    assert ShardState.from_entries(entries) == ShardState(
        {"a": [0, 1], "b": [2], "c": [], "gone": [], "old": [3]}, {"gone": [4]}, {"c": [5]})


def test_the_state_is_read_back_from_a_views_marker():
    marker = 'vtopo:{"collection": "notes", "shards": [{"shard": "a", "table": "notes__a", "buckets": [1, 0], "draining": [7]}]}'
    assert state_from_marker(marker) == ShardState({"a": [0, 1]}, {"a": [7]})
    assert state_from_marker('vtopo:{"collection": "notes"}') is None
    assert state_from_marker("someone else's comment") is None
