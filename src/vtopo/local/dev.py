"""`vtopo dev`: one local server per database of a topology, and the environment
variables that point the topology's `${env:...}` references at those servers.

Everything lives in `.vtopo/dev/` next to the topology file (git-ignored):
one data directory per database key and `state.json` with ports and the
generated passwords, so `vtopo dev env` prints the same values every time.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from vtopo.errors import LocalServerError

from .cluster import LocalCluster, ServerStatus

DEV_DIR = Path(".vtopo") / "dev"
FDW_PASSWORDS = "fdw_passwords"  # state.json section: generated password per ${env:NAME}
_WHOLE_ENV_REFERENCE = re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}")


def cluster_for(topology_file: Path) -> LocalCluster:
    return LocalCluster(Path(topology_file).absolute().parent / DEV_DIR)


def up(topology_file: Path, env: str | None = None, *, ports: dict[str, int] | None = None) -> list[ServerStatus]:
    """Start (or reuse) one server per database; generate the FDW passwords once.
    ports: chosen ports per database key (`vtopo dev up --port app=54321`)."""
    topology = _load(topology_file, env)
    cluster = cluster_for(topology_file)
    statuses = cluster.up(topology.databases, ports)
    cluster.generated(FDW_PASSWORDS, _fdw_password_variables(topology))
    return statuses


def status(topology_file: Path, env: str | None = None) -> list[ServerStatus]:
    # Without env it reads only the state: works even while the topology file is broken.
    servers = cluster_for(topology_file).status()
    if env is None:
        return servers
    databases = set(_load(topology_file, env).databases)
    return [server for server in servers if server.name in databases]


def down(topology_file: Path, *, purge: bool = False, env: str | None = None) -> list[ServerStatus]:
    """Stop (purge: and delete) every local server of the file, or with env only that environment's."""
    cluster = cluster_for(topology_file)
    names = None if env is None else list(_load(topology_file, env).databases)
    stopped = cluster.down(purge=purge, names=names)
    dot_vtopo = cluster.root.parent
    if purge and dot_vtopo.is_dir() and not any(dot_vtopo.iterdir()):
        dot_vtopo.rmdir()  # leave no empty .vtopo/ behind
    return stopped


@dataclass
class LocalEnvironment:
    """What `vtopo dev` can fill of a topology's ${env:...} references."""

    values: dict[str, str] = field(default_factory=dict)
    unset: dict[str, list[str]] = field(default_factory=dict)  # NAME -> key paths vtopo dev cannot fill
    stopped: list[str] = field(default_factory=list)  # databases whose server is not running


def environment(topology_file: Path, env: str | None = None) -> LocalEnvironment:
    """The values for every ${env:NAME} vtopo dev can fill (DSNs and FDW passwords)."""
    topology = _load(topology_file, env)
    cluster = cluster_for(topology_file)
    if not cluster.exists():
        raise LocalServerError(
            f"no local servers for {topology_file}: `vtopo dev up` has not been run",
            hint=f"run `vtopo dev up -f {topology_file}` first",
        )
    servers = {server.name: server for server in cluster.status()}
    missing = [name for name in topology.databases if name not in servers]
    if missing:
        raise LocalServerError(
            f"database(s) {', '.join(missing)} have no local server yet",
            hint=f"run `vtopo dev up -f {topology_file}` again",
        )
    fdw_passwords = cluster.generated(FDW_PASSWORDS, _fdw_password_variables(topology))
    result = LocalEnvironment(stopped=[name for name in topology.databases if not servers[name].running])
    for key_path, kind, name in topology.secret_references():
        if kind != "env":
            continue
        value = _local_value(topology, key_path, servers, fdw_passwords)
        if value is not None:
            result.values.setdefault(name, value)
        else:
            result.unset.setdefault(name, []).append(key_path)
    return result


def env_lines(topology_file: Path, environment_name: str | None = None) -> list[str]:
    """`export NAME='value'` for every ${env:NAME} vtopo dev can fill, a comment for the rest."""
    env = environment(topology_file, environment_name)
    lines = [f"export {name}={shlex.quote(value)}" for name, value in env.values.items()]
    lines += [
        f"# {name}: not set by vtopo dev (used by {', '.join(paths)})"
        for name, paths in env.unset.items()
        if name not in env.values
    ]
    lines += [f"# warning: the local server of {name} is stopped; run `vtopo dev up`" for name in env.stopped]
    return lines


def _load(topology_file: Path, env: str | None = None):
    from vtopo.spec import load_topology  # the spec layer is only needed by up/env

    return load_topology(topology_file, env)


def _whole_env_reference(text: str | None) -> str | None:
    """NAME when text is exactly `${env:NAME}` (a reference inside a longer text is not ours to fill)."""
    match = _WHOLE_ENV_REFERENCE.fullmatch((text or "").strip())
    return match[1] if match else None


def _fdw_password_variables(topology) -> list[str]:
    names = (_whole_env_reference(db.fdw.password) for db in topology.databases.values() if db.fdw)
    return [name for name in names if name]


def _local_value(topology, key_path: str, servers: dict[str, ServerStatus], fdw_passwords: dict[str, str]):
    parts = key_path.split(".")
    if len(parts) < 3 or parts[0] != "databases" or parts[1] not in topology.databases:
        return None
    database = topology.databases[parts[1]]
    if parts[2:] == ["dsn"] and _whole_env_reference(database.dsn):
        return servers[parts[1]].dsn()
    if parts[2:] == ["fdw", "password"] and database.fdw:
        name = _whole_env_reference(database.fdw.password)
        return fdw_passwords.get(name) if name else None
    return None
