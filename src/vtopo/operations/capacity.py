"""`vtopo capacity`: per database and collection, what is stored, how big, how much of each
vector index is cached, the server's memory settings, and advice where the numbers call for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

from vtopo.capacity.advice import Advice, advise
from vtopo.capacity.facts import DatabaseCapacity
from vtopo.capacity.read import collection_sizes, mapped_reader, reader_limits, server_memory
from vtopo.db.connection import connection, scrub, server_message
from vtopo.errors import DatabaseError
from vtopo.spec.loader import load_topology
from vtopo.spec.resolve import resolve_topology


@dataclass(frozen=True)
class CapacityReport:
    topology_name: str | None
    databases: list[DatabaseCapacity]
    advice: list[Advice]

    @property
    def unreachable(self) -> list[DatabaseCapacity]:
        return [db for db in self.databases if db.unreachable]


def read_capacity(path: str | Path, *, env: str | None = None, exact: bool = False) -> CapacityReport:
    """Read-only. An unreachable database is reported as such; the others are still read."""
    topology = load_topology(path, env)
    resolved = resolve_topology(topology)
    primary = topology.primary_name
    secondaries = [name for name in topology.databases if name != primary]
    readers: dict[str, str | None] = {}
    databases = []
    for name in [primary, *secondaries]:  # the primary first: its user mappings name each pod's reader
        dsn = resolved.dsns[name]
        try:
            with connection(name, dsn) as conn:
                memory = server_memory(conn)
                sizes = collection_sizes(conn, sorted(topology.collections_in(name)), memory, exact=exact)
                if name == primary:
                    readers = {db: mapped_reader(conn, db) for db in secondaries}
                role = readers.get(name)
                reader = reader_limits(conn, role) if role else None
            databases.append(DatabaseCapacity(name, name == primary, memory, sizes, reader))
        except DatabaseError as error:
            databases.append(DatabaseCapacity(name, name == primary, unreachable=error.message))
        except psycopg.Error as error:
            databases.append(DatabaseCapacity(name, name == primary, unreachable=scrub(server_message(error), *resolved.secrets())))
    return CapacityReport(topology.name, databases, advise(databases))
