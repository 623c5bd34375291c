"""`vtopo check` (being written)."""

from .app import app  # noqa: F401
