"""Consoles: stdout carries only the artifact, stderr everything else."""

from __future__ import annotations

import os
import sys

from rich.console import Console

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
    """Terraform's warning for -target, on stderr: a targeted plan is not the whole picture."""
    if not targets:
        return
    if applied:
        title = "Applied changes may be incomplete"
        body = (
            "The plan was made with --target, so changes the topology asks for outside "
            f"{', '.join(targets)} were not applied. Run `vtopo plan` to see whether others are pending."
        )
    else:
        title = "Resource targeting is in effect"
        body = (
            f"This plan covers only {', '.join(targets)}, so it may not show every change the topology "
            "asks for. --target is for exceptional situations such as recovering from an error, "
            "not for routine use."
        )
    stderr.print(f"[bold yellow]Warning:[/] [yellow]{title}[/]")
    stderr.print(body, markup=False, style="yellow")
