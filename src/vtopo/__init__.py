"""vtopo: declarative PostgreSQL + pgvector vector topologies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vtopo")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "connect"]


def __getattr__(name: str):
    # `vtopo.connect` imports the query API (psycopg, templates) only when used.
    if name == "connect":
        from vtopo.query.client import connect

        return connect
    raise AttributeError(f"module 'vtopo' has no attribute {name!r}")
