"""Write a topology file for a test and set the environment variables it references."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from .databases import PgDatabases, fresh_databases
from .servers import ServerSet


def write_topology(
    path: Path, data: Mapping[str, Any], *, env: Mapping[str, str] | None = None, monkeypatch=None
) -> Path:
    """Dump `data` as YAML to `path` (a directory gets `topology.yaml`); set `env` via monkeypatch.

    Values such as "${env:APP_DSN}" are written as they are; `env` gives their
    values for this test only (monkeypatch undoes them afterwards).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "topology.yaml"
    path.write_text(yaml.safe_dump(dict(data), sort_keys=False), encoding="utf-8")
    if env:
        if monkeypatch is None:
            raise ValueError("pass monkeypatch to set environment variables")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
    return path


def topology_for(
    dbs: PgDatabases,
    *,
    prefix: str = "VT",
    collections: Mapping[str, Any] | None = None,
    fdw_passwords: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """A topology over `pg_dbs`: primary `app`, secondaries `pod1`/`pod2` with fdw blocks.

    Returns (data, env): data references ${env:<prefix>_APP_DSN}, ..._POD1_DSN,
    ..._POD1_FDW_PASSWORD etc.; env holds their values (DSNs of the test
    databases, FDW passwords from `fdw_passwords` or fixed test values).
    """
    fdw_passwords = dict(fdw_passwords or {})
    data: dict[str, Any] = {"version": 1, "name": f"{prefix.lower()}-test", "databases": {}}
    env: dict[str, str] = {}
    for key, db in (("app", dbs.primary), ("pod1", dbs.secondary1), ("pod2", dbs.secondary2)):
        dsn_var = f"{prefix}_{key.upper()}_DSN"
        entry: dict[str, Any] = {"dsn": f"${{env:{dsn_var}}}"}
        env[dsn_var] = db.dsn
        if key == "app":
            entry = {"primary": True, **entry}
        else:
            password_var = f"{prefix}_{key.upper()}_FDW_PASSWORD"
            entry["fdw"] = {"password": f"${{env:{password_var}}}"}
            if (db.peer_host, db.peer_port) != (db.host, db.port):  # containers: reach peers by alias
                entry["fdw"].update(host=db.peer_host, port=db.peer_port)
            env[password_var] = fdw_passwords.get(key, f"fdw-{key}-pw-{db.dbname}")
        data["databases"][key] = entry
    if collections:
        data["collections"] = dict(collections)
    return data, env


def edited_topology(base_yaml: str, changes: Mapping[str, Any] | None, file: str):
    """Parse `base_yaml` with values set at dotted paths ({"collections.a.dimension": 5}); None removes a key."""
    from vtopo.spec import parse_topology

    data = yaml.safe_load(base_yaml)
    for path, value in (changes or {}).items():
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return parse_topology(yaml.safe_dump(data, sort_keys=False), file)


@contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """Set a topology's variables for longer than one test (monkeypatch is function-scoped)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield


@dataclass(frozen=True)
class Applied:
    """A topology file applied to fresh databases, and the variables its references read."""

    path: Path
    dbs: PgDatabases
    env: dict[str, str]


@contextmanager
def applied_topology(
    servers: ServerSet, directory: Path, collections: Mapping[str, Any], *, prefix: str
) -> Iterator[Applied]:
    """Fresh databases with `collections` applied (the plan must then be empty), for a
    module-scoped fixture; everything is dropped on exit (see fresh_databases)."""
    from vtopo.operations import apply_topology

    with fresh_databases(servers) as dbs, pytest.MonkeyPatch.context() as monkeypatch:
        data, env = topology_for(dbs, prefix=prefix, collections=collections)
        path = write_topology(Path(directory) / "topology.yaml", data, env=env, monkeypatch=monkeypatch)
        monkeypatch.delenv("VTOPO_FILE", raising=False)
        outcome = apply_topology(path, approve=lambda plan: True)
        assert outcome.remaining is None or outcome.remaining.is_empty, outcome.remaining.summary()
        yield Applied(path, dbs, env)
