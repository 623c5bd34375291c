"""Consoles: stdout carries only the artifact, stderr everything else."""

from __future__ import annotations

from rich.console import Console

stdout = Console(highlight=False, soft_wrap=True)
stderr = Console(stderr=True, highlight=False, soft_wrap=True)
