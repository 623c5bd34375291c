"""Stop local servers once the process that started them is gone, however it ended.

pg_ctl detaches the server from its parent, so a test run killed by SIGKILL or a
hard timeout would leave servers behind. The reaper is a small separate process
(`python -m vtopo.local.reaper PID DATA_DIR...`) that waits for PID to exit and
then stops the servers of the given data directories; the owner kills it after a
clean shutdown.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil


def spawn(owner_pid: int, data_dirs: list[Path]) -> subprocess.Popen:
    """Start a reaper for data_dirs that fires when owner_pid exits."""
    return subprocess.Popen(
        [sys.executable, "-m", "vtopo.local.reaper", str(owner_pid), *map(str, data_dirs)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # survives a Ctrl-C sent to the owner's process group
    )


def main(argv: list[str]) -> int:
    from . import embedded

    owner, data_dirs = int(argv[0]), [Path(arg) for arg in argv[1:]]
    try:
        psutil.Process(owner).wait()
    except psutil.NoSuchProcess:
        pass
    except psutil.Error:  # not our child and not waitable: poll instead
        while psutil.pid_exists(owner):
            time.sleep(0.5)
    for data_dir in data_dirs:
        try:
            embedded.stop(data_dir, timeout=20)
        except Exception:  # best effort: try every server
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
