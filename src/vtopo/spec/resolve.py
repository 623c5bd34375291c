"""Resolve the secret references a command needs: DSNs and FDW passwords.

Only commands that talk to databases call this; `validate` never does.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.conninfo import conninfo_to_dict

from vtopo.catalog.desired import FdwTarget, reader_role
from vtopo.errors import SecretError, SpecError

from .models import Topology
from .secrets import Sensitive, resolve_text


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
            parts = conninfo_to_dict(dsn)
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
        targets[name] = FdwTarget(
            host=db.fdw.host or str(parts.get("host") or parts.get("hostaddr") or "localhost"),
            port=str(db.fdw.port or parts.get("port") or 5432),
            dbname=db.fdw.dbname or str(parts.get("dbname") or parts.get("user") or "postgres"),
            user=reader_role(topology, name),
            password=password,
        )
    if problems:
        if len(problems) == 1:
            raise SecretError(problems[0], hint='export the variable, or for local servers: eval "$(vtopo dev env)"')
        raise SpecError(problems, hint='export the variables, or for local servers: eval "$(vtopo dev env)"')
    return ResolvedTopology(topology=topology, dsns=dsns, fdw_targets=targets)
