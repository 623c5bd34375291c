"""Test harness: real PostgreSQL servers, fresh databases, topology files, the CLI."""

from .cli import run_vtopo
from .databases import PgDatabase, PgDatabases, fresh_databases
from .servers import ServerInfo, ServerSet
from .topology import Applied, applied_topology, environment, topology_for, write_topology

__all__ = [
    "Applied",
    "PgDatabase",
    "PgDatabases",
    "ServerInfo",
    "ServerSet",
    "applied_topology",
    "environment",
    "fresh_databases",
    "run_vtopo",
    "topology_for",
    "write_topology",
]
