"""A named set of local servers under one directory, remembered in `state.json`.

Layout: `<root>/<name>/` is each server's data directory, `<root>/state.json`
holds each server's port and generated superuser password (plus any other
generated secrets callers keep there). The state file is mode 0600: it holds
passwords, and it is what makes `up` repeatable with the same credentials.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from vtopo.errors import LocalServerError

from . import embedded
from .embedded import HOST, SUPERUSER, ServerOptions

STATE_FILE = "state.json"
LOCK_FILE = ".lock"
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}")  # becomes a directory name


@dataclass(frozen=True)
class ServerStatus:
    """One server as a caller sees it. `action` says what the last call did to it."""

    name: str
    data_dir: Path
    port: int | None
    running: bool
    action: str  # created | started | reused | running | stopped | purged
    password: str = field(repr=False, default="")
    host: str = HOST
    user: str = SUPERUSER

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq URI for TCP with the superuser password (keep it out of logs and errors)."""
        return f"postgresql://{self.user}:{quote(self.password, safe='')}@{self.host}:{self.port}/{dbname}"


class LocalCluster:
    def __init__(self, root: Path, options: ServerOptions | None = None) -> None:
        self.root = Path(root).absolute()
        self.options = options or ServerOptions()

    @property
    def state_path(self) -> Path:
        return self.root / STATE_FILE

    def data_dir(self, name: str) -> Path:
        return self.root / name

    def exists(self) -> bool:
        return self.state_path.exists()

    def up(self, names: Iterable[str], ports: dict[str, int] | None = None) -> list[ServerStatus]:
        """Init/start every named server in parallel; reuse what already runs.

        ports: the port a server must listen on (kept for later starts); it must be free."""
        names = list(dict.fromkeys(names))
        for name in names:
            if not _NAME.fullmatch(name):
                raise LocalServerError(f"{name!r} cannot name a local server (letters, digits, _ . -)")
        unknown = sorted(set(ports or {}) - set(names))
        if unknown:
            raise LocalServerError(f"--port for {', '.join(unknown)}: not a database of the topology",
                                   hint=f"the databases are {', '.join(names)}")
        with self._locked():
            return self._up(names, ports or {})

    def _up(self, names: list[str], ports: dict[str, int]) -> list[ServerStatus]:
        state = self._load()
        for name, port in ports.items():
            current = embedded.running(self.data_dir(name))
            if current is not None and current.port != port:
                raise LocalServerError(f"the server of {name} already runs on port {current.port}",
                                       hint=f"stop it first (vtopo dev down), then start it on port {port}")
            if current is None and not embedded.port_is_free(port):
                raise LocalServerError(f"port {port} for {name} is in use by another program", hint="choose another --port")
        for name in names:
            if name not in state["servers"] and embedded.is_initialized(self.data_dir(name)):
                raise LocalServerError(
                    f"{self.data_dir(name)} holds a server whose password is not in {self.state_path}",
                    hint="delete that directory (or run `vtopo dev down --purge`) and start again",
                )
            state["servers"].setdefault(name, {"port": None, "password": secrets.token_urlsafe(24)})
            if name in ports:
                state["servers"][name]["port"] = ports[name]
        self._save(state)  # passwords are stored before initdb uses them: never a server nobody can log into
        results, problems = _in_parallel(names, lambda name: self._up_one(name, state["servers"][name]))
        for status in results:
            state["servers"][status.name]["port"] = status.port
        self._save(state)
        _raise_for(problems)
        return results

    def status(self) -> list[ServerStatus]:
        state = self._load()
        found = []
        for name, record in state["servers"].items():
            current = embedded.running(self.data_dir(name))
            port = current.port if current else record.get("port")
            found.append(self._status(name, record, port, "running" if current else "stopped"))
        return found

    def down(self, *, purge: bool = False, names: Iterable[str] | None = None) -> list[ServerStatus]:
        """Stop every server (also ones only found on disk), or only `names`; purge deletes data and state."""
        if not self.root.is_dir():
            return []
        with self._locked():
            results = self._down(purge, None if names is None else set(names))
        if purge:
            (self.root / LOCK_FILE).unlink(missing_ok=True)
            if not any(self.root.iterdir()):
                self.root.rmdir()
        return results

    def _down(self, purge: bool, only: set[str] | None = None) -> list[ServerStatus]:
        state = self._load()
        on_disk = [p.parent.name for p in self.root.glob("*/PG_VERSION")]
        names = [name for name in dict.fromkeys([*state["servers"], *sorted(on_disk)]) if only is None or name in only]

        def stop(name: str) -> ServerStatus:
            (embedded.purge if purge else embedded.stop)(self.data_dir(name))
            return self._status(name, state["servers"].get(name, {}), None, "purged" if purge else "stopped")

        results, problems = _in_parallel(names, stop)
        _raise_for(problems)
        if purge:
            for name in names:
                state["servers"].pop(name, None)
            if state["servers"]:
                self._save(state)  # the other servers keep their passwords
            else:
                self.state_path.unlink(missing_ok=True)
        return results

    def generated(self, section: str, keys: Iterable[str]) -> dict[str, str]:
        """Stable generated secrets (e.g. FDW passwords) kept in the state file under `section`."""
        with self._locked():
            state = self._load()
            values = state.setdefault(section, {})
            missing = [key for key in keys if key not in values]
            for key in missing:
                values[key] = secrets.token_urlsafe(24)
            if missing:
                self._save(state)
        return dict(values)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        # Two `vtopo dev up` at once must not both initdb the same directory.
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK_FILE, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield

    def _up_one(self, name: str, record: dict) -> ServerStatus:
        data_dir = self.data_dir(name)
        try:
            if not embedded.is_initialized(data_dir):
                embedded.initialize(data_dir, record["password"], self.options)
                action = "created"
            else:
                action = "reused" if embedded.running(data_dir) else "started"
            port = embedded.start(data_dir, record.get("port"))
        except OSError as error:
            raise LocalServerError(f"{data_dir}: {error.strerror or error}") from None
        return self._status(name, record, port, action)

    def _status(self, name: str, record: dict, port: int | None, action: str) -> ServerStatus:
        running = action in ("created", "started", "reused", "running")
        return ServerStatus(name, self.data_dir(name), port if port else record.get("port"), running, action,
                            record.get("password", ""))

    def _load(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {"version": 1, "servers": {}}
        except (OSError, ValueError) as error:
            raise LocalServerError(f"cannot read {self.state_path}: {error}") from None
        state.setdefault("servers", {})
        return state

    def _save(self, state: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(state, handle, indent=2)
        os.replace(temporary, self.state_path)  # never a half-written state file


def _in_parallel(names: list[str], work: Callable[[str], ServerStatus]) -> tuple[list[ServerStatus], list[str]]:
    """Run work(name) in one thread per server; collect every failure, not just the first."""
    if not names:
        return [], []
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="vtopo-local") as pool:
        futures = [(name, pool.submit(work, name)) for name in names]
    results, problems = [], []
    for name, future in futures:
        error = future.exception()
        if error is None:
            results.append(future.result())
        elif isinstance(error, LocalServerError):
            problems.append(f"{name}: {error.message}")
        elif isinstance(error, OSError):
            problems.append(f"{name}: {error}")
        else:
            raise error
    return results, problems


def _raise_for(problems: list[str]) -> None:
    if problems:
        raise LocalServerError("\n".join(problems))
