"""The topology file: loading, validation, secret references."""

from .loader import load_topology, parse_topology
from .models import CollectionSpec, DatabaseSpec, FdwSpec, Topology
from .secrets import Sensitive, find_references

__all__ = [
    "CollectionSpec",
    "DatabaseSpec",
    "FdwSpec",
    "Sensitive",
    "Topology",
    "find_references",
    "load_topology",
    "parse_topology",
]
