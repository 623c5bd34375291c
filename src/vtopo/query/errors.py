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
