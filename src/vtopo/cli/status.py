"""`vtopo status` (being written)."""

from .app import app  # noqa: F401
