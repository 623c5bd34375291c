"""vtopo: declarative PostgreSQL + pgvector vector topologies."""

from vtopo.version import __version__

__all__ = ["__version__", "connect"]


def __getattr__(name: str):
    # `vtopo.connect` imports the query API (psycopg, templates) only when used.
    if name == "connect":
        from vtopo.query.client import connect

        return connect
    raise AttributeError(f"module 'vtopo' has no attribute {name!r}")
