"""Resolve the secret references a command needs: DSNs and FDW passwords.

Only commands that talk to databases call this; `validate` never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from psycopg.conninfo import conninfo_to_dict

from vtopo.errors import SecretError, SpecError

from .models import Topology
from .names import reader_role_name
from .secrets import Sensitive, resolve_text


@dataclass(frozen=True)
class FdwTarget:
    """Where the primary's foreign server points (resolved from fdw + dsn)."""

    host: str
    port: str
    dbname: str
    user: str
    password: Sensitive | None = field(default=None, compare=False)


def reader_role(topology: Topology, database: str) -> str:
    fdw = topology.databases[database].fdw
    return fdw.user if fdw is not None and fdw.user else reader_role_name(database)


def dsn_defaults(parts: dict) -> dict[str, str]:
    """Where the primary reaches a database when its fdw block leaves host/port/dbname out: the
    DSN's own values, else libpq's defaults. The one copy: inspect leaves these out of the file."""
    return {
        "host": str(parts.get("host") or parts.get("hostaddr") or "localhost"),
        "port": str(parts.get("port") or 5432),
        "dbname": str(parts.get("dbname") or parts.get("user") or "postgres"),
    }


def fdw_target(topology: Topology, database: str, dsn: Sensitive, password: Sensitive | None = None) -> FdwTarget:
    """The resolved FDW facts of one secondary (the fdw block, defaulted from the DSN)."""
    fdw = topology.databases[database].fdw
    assert fdw is not None
    defaults = dsn_defaults(conninfo_to_dict(dsn.reveal()))
    return FdwTarget(
        host=fdw.host or defaults["host"],
        port=str(fdw.port or defaults["port"]),
        dbname=fdw.dbname or defaults["dbname"],
        user=reader_role(topology, database),
        password=password,
    )


@dataclass(frozen=True)
class ResolvedTopology:
    """Connection strings per database and FDW targets per secondary (all secrets masked in repr)."""

    topology: Topology
    dsns: dict[str, Sensitive]
    fdw_targets: dict[str, FdwTarget]

    def secrets(self) -> list[Sensitive | None]:
        """Every resolved secret, for scrubbing text meant for people."""
        return [*self.dsns.values(), *(target.password for target in self.fdw_targets.values())]


def resolve_topology(topology: Topology, only: set[str] | None = None) -> ResolvedTopology:
    """Resolve every reference (or those of `only` databases); report all failures at once."""
    base_dir = topology.source_path.resolve().parent
    problems: list[str] = []
    dsns: dict[str, Sensitive] = {}
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
        except Exception:
            problems.append(f"databases.{name}.dsn: not a valid libpq connection string or URI")
            continue
        if db.fdw is None:
            continue
        password = None
        if db.fdw.password is not None:
            try:
                password = Sensitive(resolve_text(db.fdw.password, f"databases.{name}.fdw.password", base_dir))
            except SecretError as error:
                problems.append(error.message)
        targets[name] = fdw_target(topology, name, dsns[name], password)
    if problems:
        if len(problems) == 1:
            raise SecretError(problems[0], hint='export the variable, or for local servers: eval "$(vtopo dev env)"')
        raise SpecError(problems, hint='export the variables, or for local servers: eval "$(vtopo dev env)"')
    return ResolvedTopology(topology=topology, dsns=dsns, fdw_targets=targets)
