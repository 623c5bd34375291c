"""Errors of `vtopo load`: user errors, so VtopoError (exit 1, no traceback)."""

from __future__ import annotations

from vtopo.errors import VtopoError


class LoadError(VtopoError):
    """The input cannot be loaded (unreadable file, bad records, collection missing)."""
