"""One local PostgreSQL server: initdb, start on 127.0.0.1:PORT, stop, find its processes.

The server authenticates TCP clients with SCRAM passwords (pg_hba `host ...
scram-sha-256`), exactly like a production server, so postgres_fdw user
mappings need real passwords here too. Local socket connections are trusted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from vtopo.errors import LocalServerError

from . import system

HOST = "127.0.0.1"
SUPERUSER = "postgres"
LOG_NAME = "server.log"
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes with the trailing NUL
_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./-]+")  # pg_ctl pastes -o options into a shell command
_BIND_FAILED = ("could not bind", "Address already in use", "could not create any TCP/IP sockets")

_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()  # parallel starts in this process must not pick the same port


@dataclass(frozen=True)
class ServerOptions:
    """postgresql.conf settings; fsync=False is for throw-away test servers only."""

    fsync: bool = True
    max_connections: int = 100
    shared_buffers: str = "64MB"


@dataclass(frozen=True)
class Running:
    pid: int
    port: int


def is_initialized(data_dir: Path) -> bool:
    return (data_dir / "PG_VERSION").exists()


def initialize(data_dir: Path, password: str, options: ServerOptions) -> None:
    """initdb with superuser `postgres`/password, then write pg_hba.conf and our settings."""
    if data_dir.exists() and any(data_dir.iterdir()):
        raise LocalServerError(f"{data_dir} is not empty but holds no PostgreSQL data directory")
    system.make_private_dir(data_dir)
    fd, pwfile = tempfile.mkstemp(prefix="vtopo-pw-")  # initdb reads the password from a file
    try:
        os.write(fd, (password + "\n").encode())
        os.close(fd)
        system.give_to_server(Path(pwfile))
        args = ["-D", str(data_dir), "-U", SUPERUSER, f"--pwfile={pwfile}", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C"]
        done = system.run("initdb", args + ([] if options.fsync else ["--no-sync"]), timeout=300)
    finally:
        Path(pwfile).unlink(missing_ok=True)
    if done.returncode != 0:
        shutil.rmtree(data_dir, ignore_errors=True)  # half-initialized: let the next attempt start clean
        raise LocalServerError(f"initdb failed for {data_dir}:\n{_tail(done.stdout)}")
    (data_dir / "pg_hba.conf").write_text(
        "# vtopo local server: sockets trusted, TCP needs a password (as in production)\n"
        "local   all   all                  trust\n"
        "local   replication   all          trust\n"
        "host    all   all   127.0.0.1/32   scram-sha-256\n"
        "host    all   all   ::1/128        scram-sha-256\n"
    )
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write(_settings(options))


def make_standby(primary_dir: Path, standby_dir: Path) -> None:
    """A streaming standby of the running server of primary_dir in standby_dir (pg_basebackup
    -R over the local socket), ready for start(). Its settings and passwords are the primary's."""
    current = running(primary_dir)
    if current is None:
        raise LocalServerError(f"the server of {primary_dir} is not running: start it before copying it")
    if standby_dir.exists() and any(standby_dir.iterdir()):
        raise LocalServerError(f"{standby_dir} is not empty")
    system.make_private_dir(standby_dir)
    args = ["-D", str(standby_dir), "-R", "-X", "stream", "-c", "fast", "-h", str(socket_dir(primary_dir)),
            "-p", str(current.port), "-U", SUPERUSER]
    done = system.run("pg_basebackup", args, timeout=300)
    if done.returncode != 0:
        shutil.rmtree(standby_dir, ignore_errors=True)
        raise LocalServerError(f"pg_basebackup of {primary_dir} failed:\n{_tail(done.stdout)}")
    (standby_dir / LOG_NAME).unlink(missing_ok=True)  # the primary's log, copied along


def running(data_dir: Path) -> Running | None:
    """The live postmaster of data_dir (from postmaster.pid), or None."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
        process = psutil.Process(pid)
        if process.name() != "postgres" or process.status() == psutil.STATUS_ZOMBIE:
            return None  # stale file, pid reused by something else
    except (OSError, IndexError, ValueError, psutil.Error):
        return None
    return Running(pid, port)


def start(data_dir: Path, port: int | None = None) -> int:
    """Start (or reuse) the server of data_dir; returns its TCP port.

    Uses `port` when free, else a new free port. Retries with another port if
    someone else grabbed it between our check and the server's bind.
    """
    current = running(data_dir)
    if current is not None:
        return current.port
    if system.server_account() is not None:
        system.make_traversable(data_dir.parent)  # a parent may have been tightened since initdb
    sockets = socket_dir(data_dir)
    if sockets != data_dir:
        system.make_private_dir(sockets)
    log = data_dir / LOG_NAME
    for attempt in range(3):
        chosen = port if (attempt == 0 and port and port_is_free(port)) else free_port()
        offset = log.stat().st_size if log.exists() else 0
        args = ["-D", str(data_dir), "-l", str(log), "-w", "-t", "120",
                "-o", f"-h {HOST} -p {chosen} -k {sockets}", "start"]
        done = system.run("pg_ctl", args, timeout=180)
        server_log = _read_from(log, offset)
        if done.returncode == 0 and running(data_dir) is not None:
            return chosen
        if not any(marker in server_log for marker in _BIND_FAILED):
            break
    hint = None
    if "Permission denied" in server_log + done.stdout and system.server_account() is not None:
        hint = f"every parent directory of {data_dir} must stay searchable (o+x) for user {system.SYSTEM_USER}"
    raise LocalServerError(
        f"PostgreSQL did not start in {data_dir}:\n{_tail(done.stdout)}\n--- {log} ---\n{_tail(server_log)}",
        hint=hint,
    )


def stop(data_dir: Path, *, timeout: float = 60) -> None:
    """pg_ctl stop -m fast; afterwards no process of this server remains (or LocalServerError)."""
    if running(data_dir) is not None:
        done = system.run("pg_ctl", ["-D", str(data_dir), "-m", "fast", "-w", "-t", str(int(timeout)), "stop"],
                          timeout=timeout + 30)
        if done.returncode != 0 and running(data_dir) is not None:
            system.run("pg_ctl", ["-D", str(data_dir), "-m", "immediate", "-w", "stop"], timeout=60)
    if _wait_gone(data_dir, 10):
        return
    for process in processes(data_dir):  # orphaned backends: the postmaster is gone, nothing else will end them
        try:
            process.send_signal(signal.SIGKILL)
        except psutil.Error:
            pass
    if not _wait_gone(data_dir, 10):
        pids = ", ".join(str(p.pid) for p in processes(data_dir))
        raise LocalServerError(f"PostgreSQL processes of {data_dir} are still running after stop: {pids}")


def purge(data_dir: Path) -> None:
    """Stop the server and delete its data (and its socket directory under /tmp, if any)."""
    stop(data_dir)
    sockets = socket_dir(data_dir)
    shutil.rmtree(data_dir, ignore_errors=True)
    if sockets != data_dir:
        shutil.rmtree(sockets, ignore_errors=True)
    if data_dir.exists():
        raise LocalServerError(f"could not delete {data_dir}")


def processes(data_dir: Path) -> list[psutil.Process]:
    """Every postgres process serving data_dir: the postmaster (-D in its command line)
    and its children (they run with data_dir as working directory)."""
    target = str(data_dir.resolve())
    given = {target, str(data_dir), str(data_dir.absolute())}
    found = []
    for process in psutil.process_iter(["name", "cwd", "cmdline", "status"]):
        info = process.info
        if info["name"] != "postgres" or info["status"] == psutil.STATUS_ZOMBIE:
            continue  # zombies are already dead, only waiting for init to reap them
        if info["cwd"] == target or given.intersection(info["cmdline"] or []):
            found.append(process)
    return found


def socket_dir(data_dir: Path) -> Path:
    """Where the unix socket goes: the data dir when its path is short and shell-safe, else /tmp."""
    candidate = str(data_dir.resolve())
    if len(candidate) + len("/.s.PGSQL.65535.lock") <= _MAX_SOCKET_PATH and _SHELL_SAFE.fullmatch(candidate):
        return data_dir
    digest = hashlib.sha256(candidate.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"vtopo-{digest}"


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # what postgres itself does
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with _ports_lock:
        while True:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
                probe.bind((HOST, 0))
                port = probe.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port


def log_tail(data_dir: Path, lines: int = 20) -> str:
    return _tail(_read_from(data_dir / LOG_NAME, 0), lines)


def _settings(options: ServerOptions) -> str:
    durability = "on" if options.fsync else "off"
    return (
        "\n# --- vtopo local server ---\n"
        f"max_connections = {options.max_connections}\n"
        f"shared_buffers = {options.shared_buffers}\n"
        "password_encryption = 'scram-sha-256'\n"
        f"fsync = {durability}\n"
        # Without fsync these only add cost; crash safety is already given up.
        f"synchronous_commit = {durability}\n"
        f"full_page_writes = {durability}\n"
    )


def _wait_gone(data_dir: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while processes(data_dir):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])
