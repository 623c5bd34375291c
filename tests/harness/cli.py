"""Run the real `vtopo` CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

_ENTRY = "from vtopo.cli import main; main()"


def run_vtopo(
    *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`vtopo ARGS...` with this interpreter; env is added to (not replacing) os.environ."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", _ENTRY, *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
