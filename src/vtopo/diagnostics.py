"""One type for what vtopo tells people beside its results: notes, warnings, problems.

A Diagnostic is its message (a str, so JSON documents and reports that print messages
stay as they are) and carries its severity, a hint and where it applies (a database
key, file or topology key). Messages never hold secrets: callers scrub what came from
a database.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    note = "note"  # worth knowing; nothing is wrong
    warning = "warning"  # something may not work as the user expects
    problem = "problem"  # something failed or was refused


class Diagnostic(str):
    severity: Severity
    hint: str | None
    where: str | None

    def __new__(cls, severity: Severity, message: str, hint: str | None = None, where: str | None = None) -> Diagnostic:
        self = super().__new__(cls, message)
        self.severity, self.hint, self.where = Severity(severity), hint, where
        return self

    @property
    def message(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Diagnostic({self.severity.value}, {self.message!r})"


def note(message: str, *, hint: str | None = None, where: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.note, message, hint, where)


def warning(message: str, *, hint: str | None = None, where: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.warning, message, hint, where)


def problem(message: str, *, hint: str | None = None, where: str | None = None) -> Diagnostic:
    return Diagnostic(Severity.problem, message, hint, where)
