"""Stop local servers once the process that started them is gone, however it ended.

pg_ctl detaches the server from its parent, so a test run killed by SIGKILL or a
hard timeout would leave servers behind. The reaper is a small separate process
(`python -m vtopo.local.reaper PID [--delete DIR] DATA_DIR...`) that waits for
PID to exit, then stops the servers of the given data directories (and deletes
DIR); the owner kills it after a clean shutdown.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil


def spawn(owner_pid: int, data_dirs: list[Path], *, delete: Path | None = None) -> subprocess.Popen:
    """Start a reaper for data_dirs that fires when owner_pid exits."""
    extra = ["--delete", str(delete)] if delete else []
    return subprocess.Popen(
        [sys.executable, "-m", "vtopo.local.reaper", str(owner_pid), *extra, *map(str, data_dirs)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives a Ctrl-C sent to the owner's process group
    )


def main(argv: list[str]) -> int:
    from . import embedded

    owner, rest = int(argv[0]), argv[1:]
    delete = None
    if rest[:1] == ["--delete"]:
        delete, rest = Path(rest[1]), rest[2:]
    try:
        psutil.Process(owner).wait()
    except psutil.NoSuchProcess:
        pass
    except psutil.Error:  # not waitable: poll instead
        while psutil.pid_exists(owner):
            time.sleep(0.5)
    for data_dir in map(Path, rest):
        try:
            embedded.stop(data_dir, timeout=20)
        except Exception:  # best effort: try every server
            pass
    if delete is not None:
        shutil.rmtree(delete, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
