"""Where vtopo's files ship: templates/ (ddl/ per object kind, queries/ for everything else)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def templates_dir() -> Path:
    """templates/ ships inside the wheel as vtopo/templates; in a source tree it sits at the repo root."""
    packaged = Path(__file__).resolve().parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"
