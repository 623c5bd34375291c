"""The three PostgreSQL servers of a test session, from the embedded or the docker engine.

Both engines give the same ServerInfo: where the test process connects (host,
port) and where ANOTHER server of the set connects for postgres_fdw (peer_host,
peer_port). They are equal for embedded servers (all on 127.0.0.1) and differ
for containers (published port vs. network alias:5432).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

from . import scratch

NAMES = ("primary", "secondary1", "secondary2")
ENGINE_VARIABLE = "VTOPO_TEST_ENGINE"
ENGINES = ("embedded", "docker")


@dataclass(frozen=True)
class ServerInfo:
    name: str
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    peer_host: str  # how the other servers reach this one (postgres_fdw host)
    peer_port: int
    data_dir: Path | None = None  # embedded engine only

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{quote(self.user)}:{quote(self.password, safe='')}@{self.host}:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=10)


@dataclass
class ServerSet:
    """`pg_servers`: .primary, .secondary1, .secondary2 (iterable in that order)."""

    engine: str
    primary: ServerInfo
    secondary1: ServerInfo
    secondary2: ServerInfo
    baseline_roles: dict[str, set[str]] = field(default_factory=dict)  # per server, at session start

    def __iter__(self) -> Iterator[ServerInfo]:
        return iter((self.primary, self.secondary1, self.secondary2))


def selected_engine() -> str:
    engine = os.environ.get(ENGINE_VARIABLE, "embedded").strip().lower() or "embedded"
    if engine not in ENGINES:
        raise ValueError(f"{ENGINE_VARIABLE}={engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def start_embedded() -> tuple[ServerSet, Callable[[], None]]:
    """Three embedded servers (fsync off) under /tmp/vtopo-pg-XXXX, started in parallel.

    A reaper process stops them (and deletes their data) if this process dies
    without running the returned stop() (SIGKILL, hard timeout), so no server
    outlives the run.
    """
    from vtopo.local import LocalCluster, ServerOptions
    from vtopo.local import reaper

    keep = os.environ.get("VTOPO_TEST_KEEP_DATA") == "1"  # debugging: keep data dirs and server logs
    base_dir = scratch.scratch_dir("pg")
    cluster = LocalCluster(base_dir, ServerOptions(fsync=False))
    watchdog = reaper.spawn(os.getpid(), [cluster.data_dir(name) for name in NAMES],
                            delete=None if keep else base_dir)

    def stop() -> None:
        try:
            cluster.down(purge=not keep)
            if not keep:
                scratch.remove(base_dir)
        finally:
            watchdog.kill()
            watchdog.wait()

    try:
        started = {s.name: s for s in cluster.up(NAMES)}
    except BaseException:
        stop()
        raise
    infos = [
        ServerInfo(n, s.host, s.port, s.user, s.password, s.host, s.port, s.data_dir)
        for n, s in started.items()
    ]
    return ServerSet("embedded", *infos), stop
