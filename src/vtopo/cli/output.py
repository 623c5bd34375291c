"""Consoles: stdout carries only the artifact, stderr everything else."""

from __future__ import annotations

import os
import sys

from rich.console import Console, RenderableType

from vtopo.report.targeting import targeting_warning

# Redirected output (CI logs, files) is not squeezed into 80 columns: tables such as
# `vtopo check`'s would fold every Remote SQL detail. $COLUMNS still wins.
LOG_WIDTH = 160


def _width(stream) -> int | None:
    if "COLUMNS" in os.environ or stream.isatty():
        return None
    return LOG_WIDTH


stdout = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
stderr = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))


def warn_targeting(targets: list[str], *, applied: bool = False) -> None:
    """Terraform's warning for -target, on stderr."""
    warning = targeting_warning(targets, applied=applied)
    if warning is None:
        return
    title, body = warning
    stderr.print(f"[bold yellow]Warning:[/] [yellow]{title}[/]")
    stderr.print(body, markup=False, style="yellow")


def print_lines(console: Console, lines: list[RenderableType]) -> None:
    """Lines from a report: strings are printed as they are (no markup, no highlighting)."""
    for line in lines:
        console.print(line, markup=False, highlight=False)
