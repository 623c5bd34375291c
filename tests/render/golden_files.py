"""Golden files for rendered SQL: tests/render/golden/<name>.sql.

Regenerate them with `VTOPO_UPDATE_GOLDEN=1 pytest tests/render`, then read
the diff before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


def updating_golden() -> bool:
    return os.environ.get("VTOPO_UPDATE_GOLDEN") == "1"


def assert_golden(name: str, text: str) -> None:
    """text equals golden/<name>.sql (or is written there when updating)."""
    path = GOLDEN_DIR / f"{name}.sql"
    if updating_golden():
        GOLDEN_DIR.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing; create it with VTOPO_UPDATE_GOLDEN=1 pytest tests/render")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs (VTOPO_UPDATE_GOLDEN=1 regenerates it)"
