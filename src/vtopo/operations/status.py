"""`vtopo status`: the last apply per database, from the apply journal on the primary."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vtopo.apply.journal import JournalEntry, read_last_applies
from vtopo.db.connection import masked_dsn
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology


@dataclass(frozen=True)
class TopologyStatus:
    topology_name: str | None
    primary: str
    databases: list[str]
    entries: dict[str, JournalEntry] | None  # None: no journal on the primary yet
    dsn_shown: str  # the primary's DSN, password masked (the result never holds a secret)


def read_status(path: str | Path, *, env: str | None = None) -> TopologyStatus:
    """Only the primary's DSN is resolved: status needs no other database or secret."""
    topology = load_topology(path, env)
    primary = topology.primary_name
    dsn = resolve_topology(topology, only={primary}).dsns[primary]
    databases = list(topology.databases)
    entries = read_last_applies(primary, dsn, databases)
    return TopologyStatus(topology.name, primary, databases, entries, masked_dsn(dsn))
