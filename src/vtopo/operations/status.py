"""`vtopo status`: the last apply per database, from the apply journal on the primary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from vtopo.apply.journal import JournalEntry, read_last_applies
from vtopo.db.connection import masked_dsn
from vtopo.shards.placement import moves, placement
from vtopo.shards.rebalance import read_states
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology


@dataclass(frozen=True)
class TopologyStatus:
    topology_name: str | None
    primary: str
    databases: list[str]
    entries: dict[str, JournalEntry] | None  # None: no journal on the primary yet
    dsn_shown: str  # the primary's DSN, password masked (the result never holds a secret)
    shards: dict[str, ShardSummary] = field(default_factory=dict)  # sharded collections, by name


@dataclass(frozen=True)
class ShardSummary:
    """Where a sharded collection's buckets are, against where its shards place them."""

    owned: dict[str, int]  # shard -> buckets it owns now
    to_move: int  # buckets not yet on the shard that places them
    left_over: int  # buckets an interrupted move left copies of (draining or receiving)

    def as_dict(self) -> dict:
        return {"owned": self.owned, "to_move": self.to_move, "left_over": self.left_over}


def read_status(path: str | Path, *, env: str | None = None) -> TopologyStatus:
    """Only the primary's DSN is resolved: status needs no other database or secret."""
    topology = load_topology(path, env)
    primary = topology.primary_name
    resolved = resolve_topology(topology, only={primary})
    dsn = resolved.dsns[primary]
    databases = list(topology.databases)
    entries = read_last_applies(primary, dsn, databases)
    return TopologyStatus(topology.name, primary, databases, entries, masked_dsn(dsn), _shard_summaries(resolved))


def _shard_summaries(resolved) -> dict[str, ShardSummary]:
    """From the primary alone: the state in its views' markers against the shard lists."""
    topology = resolved.topology
    found = {}
    for name, state in read_states(resolved).items():
        pending = moves(state.owned, placement(topology.collections[name].shards))
        left = {bucket for buckets in state.leftovers().values() for bucket in buckets}
        found[name] = ShardSummary({shard: len(b) for shard, b in state.owned.items() if b}, len(pending), len(left))
    return found
