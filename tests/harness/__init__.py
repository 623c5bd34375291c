"""Test harness: real PostgreSQL servers, fresh databases, topology files, the CLI."""

from .cli import run_vtopo
from .databases import PgDatabase, PgDatabases
from .servers import ServerInfo, ServerSet
from .topology import topology_for, write_topology

__all__ = [
    "PgDatabase",
    "PgDatabases",
    "ServerInfo",
    "ServerSet",
    "run_vtopo",
    "topology_for",
    "write_topology",
]
