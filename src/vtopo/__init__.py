"""vtopo: declarative PostgreSQL + pgvector vector topologies."""

__all__ = ["__version__", "connect"]


def __getattr__(name: str):
    # Both on first use: the version reads package metadata (~25 ms), `connect` imports the
    # query API (psycopg, templates); commands that need neither start faster.
    if name == "__version__":
        from vtopo.version import __version__

        return __version__
    if name == "connect":
        from vtopo.query.client import connect

        return connect
    raise AttributeError(f"module 'vtopo' has no attribute {name!r}")
