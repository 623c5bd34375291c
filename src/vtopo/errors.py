"""Error classes that carry their exit code and a hint for the user.

Every error a user can cause is a VtopoError; the CLI turns it into a short
message and an exit status in one place (vtopo.cli). Messages must never
contain secrets: build them from names, never from DSNs or passwords.
"""

from __future__ import annotations


class VtopoError(Exception):
    """A user-facing error: message, optional hint, exit status."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class SpecError(VtopoError):
    """The topology file is invalid. Carries every problem at once."""

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems), hint=hint)


class SecretError(VtopoError):
    """A ${env:...} or ${file:...} reference could not be resolved."""


class DatabaseError(VtopoError):
    """A database could not be reached or refused a statement."""

    def __init__(self, database: str, message: str, *, hint: str | None = None) -> None:
        self.database = database
        super().__init__(f"database {database!r}: {message}", hint=hint)


class DatabaseUnreachable(DatabaseError):
    """vtopo could not connect to a database (server down, refused, wrong address or login).

    `reason` is the message without the database prefix, for lists of unreachable databases."""

    def __init__(self, database: str, message: str, *, hint: str | None = None) -> None:
        self.reason = message
        super().__init__(database, message, hint=hint)


class PlanError(VtopoError):
    """A plan cannot be made or applied (hazard refused, stale plan, ...)."""


class LocalServerError(VtopoError):
    """The embedded local PostgreSQL servers could not be started or stopped."""
