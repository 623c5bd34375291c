"""Errors of the query and write API: user errors, so VtopoError (exit 1, no traceback)."""

from __future__ import annotations

from vtopo.errors import VtopoError


class QueryError(VtopoError):
    """A bad argument to query/upsert/fetch/delete, or a collection that cannot be used that way."""


class FilterError(QueryError):
    """A filter Vecs would refuse, or one Vecs would silently turn into 'match nothing'."""

    def __init__(self, message: str, *, path: str = "", hint: str | None = None) -> None:
        self.path = path
        super().__init__(f"filter {path}: {message}" if path else f"filter: {message}", hint=hint)


class FilterFieldWarning(UserWarning):
    """A filter names a metadata key the collection does not declare but one it does resembles (a likely typo)."""


def unreachable_secondary_hint(detail: str, secondary: str, source: object) -> str:
    """What to do when the primary's postgres_fdw could not reach a secondary, by the reason
    libpq gave (a refused connection is a server that is down, not a wrong password)."""
    lowered = detail.lower()
    if "password authentication failed" in lowered:
        return (f"check databases.{secondary}.fdw.password (the primary's user mapping must match the reader role), "
                f"then: vtopo apply -f {source}")
    if any(word in lowered for word in ("connection refused", "could not translate host", "timeout", "timed out", "no route")):
        return (f"database {secondary!r} is unreachable from the primary (connection refused or timed out): "
                f"is its server running, and are databases.{secondary}.fdw host and port right?")
    return f"check databases.{secondary}.fdw (host, port, password) and that {secondary} is reachable from the primary"
