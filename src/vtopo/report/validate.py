"""`vtopo validate`: the one line saying what was checked."""

from __future__ import annotations

from rich.text import Text

from vtopo.operations.validate import Validation


def validation_line(validation: Validation) -> Text:
    topology = validation.topology
    if validation.environment is not None:
        checked = f" (environment {validation.environment})"
    else:
        names = validation.environments
        checked = f"; environments {', '.join(names)} valid too" if names else ""
    return Text.assemble(
        ("✓", "green"),
        f" {validation.path} is valid: {len(topology.databases)} databases, {len(topology.collections)} collections{checked}",
    )
