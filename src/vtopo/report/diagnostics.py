"""Diagnostics (notes, warnings, problems) as lines: `warning: message`."""

from __future__ import annotations

from rich.text import Text

from vtopo.diagnostics import Diagnostic, Severity

SEVERITY_STYLE = {Severity.note: "dim", Severity.warning: "yellow", Severity.problem: "bold red"}


def diagnostic_line(diagnostic: Diagnostic) -> Text:
    # Text, not markup: messages may quote names and errors from a database.
    return Text.assemble((f"{diagnostic.severity.value}:", SEVERITY_STYLE[diagnostic.severity]), " ", diagnostic.message)
