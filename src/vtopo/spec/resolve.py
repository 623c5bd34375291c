"""Resolve the secret references a command needs: DSNs and FDW passwords.

Only commands that talk to databases call this; `validate` never does.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from vtopo.errors import SecretError, SpecError

from .models import Reads, Topology
from .reads import connection_options, read_order
from .names import owned_reader_role_name
from .secrets import Sensitive, resolve_text


@dataclass(frozen=True)
class FdwTarget:
    """Where the primary's foreign server points (resolved from fdw + dsn; with replicas, the
    servers it may answer from and how libpq chooses: reads.py)."""

    host: str
    port: str
    dbname: str
    user: str
    password: Sensitive | None = field(default=None, compare=False)
    replicas: tuple[tuple[str, str], ...] = ()  # (host, port) of each replica
    reads: Reads = Reads.spread

    def server_options(self) -> dict[str, str]:
        """host, port, dbname (and with replicas the libpq options that choose among them)."""
        return {**connection_options(self.reads, (self.host, self.port), self.replicas), "dbname": self.dbname}


def reader_role(topology: Topology, database: str, dbname: str | None = None) -> str:
    """fdw.user, else the default name for the secondary's PostgreSQL database (desired/build
    decides the same way; an earlier vtopo's name is kept there when it is live)."""
    fdw = topology.databases[database].fdw
    if fdw is not None and fdw.user:
        return fdw.user
    return owned_reader_role_name(database, dbname or (fdw.dbname if fdw is not None else None))


def dsn_defaults(parts: dict) -> dict[str, str]:
    """Where the primary reaches a database when its fdw block leaves host/port/dbname out: the
    DSN's own values, else libpq's defaults. The one copy: inspect leaves these out of the file."""
    return {
        "host": str(parts.get("host") or parts.get("hostaddr") or "localhost"),
        "port": str(parts.get("port") or 5432),
        "dbname": str(parts.get("dbname") or parts.get("user") or "postgres"),
    }


def fdw_target(topology: Topology, database: str, dsn: Sensitive, password: Sensitive | None = None,
               replica_dsns: list[Sensitive] | None = None) -> FdwTarget:
    """The resolved FDW facts of one secondary (the fdw block, defaulted from the DSN)."""
    fdw = topology.databases[database].fdw
    assert fdw is not None
    defaults = dsn_defaults(conninfo_to_dict(dsn.reveal()))
    spec = topology.databases[database]
    replicas = []
    for replica, replica_dsn in zip(spec.replicas, replica_dsns or ()):
        own = dsn_defaults(conninfo_to_dict(replica_dsn.reveal()))
        given = replica.fdw
        replicas.append((given.host if given and given.host else own["host"],
                         str(given.port if given and given.port else own["port"])))
    return FdwTarget(
        host=fdw.host or defaults["host"],
        port=str(fdw.port or defaults["port"]),
        dbname=fdw.dbname or defaults["dbname"],
        user=reader_role(topology, database, fdw.dbname or defaults["dbname"]),
        password=password,
        replicas=tuple(replicas),
        reads=spec.effective_reads,
    )


@dataclass(frozen=True)
class ResolvedTopology:
    """Connection strings per database and FDW targets per secondary (all secrets masked in repr)."""

    topology: Topology
    dsns: dict[str, Sensitive]
    fdw_targets: dict[str, FdwTarget]
    replica_dsns: dict[str, list[Sensitive]] = field(default_factory=dict)  # databases with replicas

    def secrets(self) -> list[Sensitive | None]:
        """Every resolved secret, for scrubbing text meant for people."""
        replicas = [dsn for dsns in self.replica_dsns.values() for dsn in dsns]
        return [*self.dsns.values(), *replicas, *(target.password for target in self.fdw_targets.values())]

    def read_dsns(self, database: str) -> list[Sensitive]:
        """Where reads of `database` may go, in the order its `reads` tries them (reads.py)."""
        spec = self.topology.databases[database]
        return read_order(spec.effective_reads, self.dsns[database], self.replica_dsns.get(database, []))


def resolve_topology(topology: Topology, only: set[str] | None = None) -> ResolvedTopology:
    """Resolve every reference (or those of `only` databases); report all failures at once."""
    base_dir = topology.source_path.resolve().parent
    problems: list[str] = []  # unresolved references
    malformed: list[str] = []  # resolved, but not a connection string
    conflicts: list[str] = []  # a replica that cannot be a copy of its database
    dsns: dict[str, Sensitive] = {}
    replica_dsns: dict[str, list[Sensitive]] = {}
    targets: dict[str, FdwTarget] = {}
    for name, db in topology.databases.items():
        if only is not None and name not in only:
            continue
        try:
            dsn = resolve_text(db.dsn, f"databases.{name}.dsn", base_dir)
            dsns[name] = Sensitive(dsn)
        except SecretError as error:
            problems.append(error.message)
            continue
        try:
            conninfo_to_dict(dsn)
        except Exception as error:
            malformed.append(_malformed_dsn(f"databases.{name}.dsn", db.dsn, error, dsns.pop(name)))
            continue
        if db.replicas:
            replica_dsns[name] = _resolve_replicas(name, db, dsns[name], base_dir, problems, malformed, conflicts)
        if db.fdw is None:
            continue
        password = None
        if db.fdw.password is not None:
            try:
                password = Sensitive(resolve_text(db.fdw.password, f"databases.{name}.fdw.password", base_dir))
            except SecretError as error:
                problems.append(error.message)
        targets[name] = fdw_target(topology, name, dsns[name], password, replica_dsns.get(name))
    if problems or malformed or conflicts:
        hints = []
        if problems:
            local = f'eval "$(vtopo dev env{_file_options(topology)})"'
            hints.append(f"export the variable{'s' if len(problems) > 1 else ''}, or for local servers: {local}")
        if malformed:
            hints.append("write the DSN as postgresql://USER@HOST:PORT/DBNAME or host=HOST port=PORT dbname=DBNAME user=USER")
        if conflicts:
            hints.append("point each replica's dsn at the same database name as its database's dsn")
        everything = problems + malformed + conflicts
        if len(everything) == 1:
            raise SecretError(everything[0], hint="; ".join(hints))
        raise SpecError(everything, hint="; ".join(hints))
    return ResolvedTopology(topology=topology, dsns=dsns, fdw_targets=targets, replica_dsns=replica_dsns)


def _resolve_replicas(name: str, db, dsn: Sensitive, base_dir: Path, problems: list[str], malformed: list[str],
                      conflicts: list[str]) -> list[Sensitive]:
    """The replicas' DSNs. A streaming standby is a copy of the whole server: the same database
    name, the same roles (so the same reader login serves every host)."""
    own_dbname = dsn_defaults(conninfo_to_dict(dsn.reveal()))["dbname"]
    resolved: list[Sensitive] = []
    for index, replica in enumerate(db.replicas):
        key_path = f"databases.{name}.replicas[{index}].dsn"
        try:
            text = resolve_text(replica.dsn, key_path, base_dir)
        except SecretError as error:
            problems.append(error.message)
            continue
        try:
            parts = conninfo_to_dict(text)
        except Exception as error:
            malformed.append(_malformed_dsn(key_path, replica.dsn, error, Sensitive(text)))
            continue
        dbname = dsn_defaults(parts)["dbname"]
        if dbname != own_dbname:
            conflicts.append(f"{key_path}: names database {dbname!r}, but databases.{name}.dsn names {own_dbname!r}; "
                             "a replica is a copy of the same server, so its database has the same name")
            continue
        resolved.append(Sensitive(text))
    return resolved


def _file_options(topology: Topology) -> str:
    """The `-f FILE` (and `--env NAME`) the user ran with, for a command the hint suggests."""
    path = topology.source_path
    default = Path(os.environ.get("VTOPO_FILE") or "topology.yaml")
    options = "" if path.absolute() == default.absolute() else f" -f {shlex.quote(str(path))}"
    if topology.environment and topology.environment != os.environ.get("VTOPO_ENV"):
        options += f" --env {shlex.quote(topology.environment)}"
    return options


_QUOTED = re.compile(r'"[^"]*"')


def _malformed_dsn(key_path: str, reference: str, error: Exception, dsn: Sensitive) -> str:
    """Where the DSN is malformed, in libpq's words with every quoted fragment of the value
    replaced (they may be the password), and which reference held it."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else "unparsable"
    # libpq quotes pieces of the value (maybe of the password); a one-character piece is syntax ("=").
    reason = _QUOTED.sub(lambda quoted: quoted[0] if len(quoted[0]) <= 3 else '"…"', text)
    reason = reason.replace(dsn.reveal(), "(sensitive)") if len(dsn.reveal()) >= 3 else reason
    source = f" (the value of {reference.strip()})" if reference.strip().startswith("${") else ""
    return f"{key_path}{source}: not a valid libpq connection string or URI: {reason}"
