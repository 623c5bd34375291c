"""Which databases `vtopo inspect` reads, and what the written file will say about each.

From a topology file: its databases, DSN references and fdw blocks as written.
From `--dsn NAME=DSN` pairs: the DSN is used to connect now, and the written file
gets a `${env:NAME_DSN}` reference instead (a DSN may hold a password).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg.conninfo import conninfo_to_dict

from vtopo.errors import SpecError
from vtopo.spec.loader import load_topology
from vtopo.spec.names import check_identifier
from vtopo.spec.resolve import resolve_topology
from vtopo.spec.secrets import Sensitive


@dataclass(frozen=True)
class Source:
    name: str
    dsn: Sensitive = field(repr=False)  # to connect now
    dsn_text: str  # what the written file says (a reference, never a secret)
    primary: bool = False
    fdw: dict[str, Any] = field(default_factory=dict)  # the file's fdw block as written (references kept)
    # The file's replicas and reads as written: a catalog does not say which hosts are standbys.
    replicas: dict[str, Any] = field(default_factory=dict)

    def connection_facts(self) -> dict[str, str]:
        """host, port, dbname, user of the DSN (never the password)."""
        parts = conninfo_to_dict(self.dsn.reveal())
        return {key: str(parts[key]) for key in ("host", "hostaddr", "port", "dbname", "user") if parts.get(key)}


@dataclass(frozen=True)
class Sources:
    databases: list[Source]
    name: str | None = None  # the topology's name, when read from a file

    @property
    def primary(self) -> str:
        return next(source.name for source in self.databases if source.primary)

    def dsns(self) -> dict[str, Sensitive]:
        return {source.name: source.dsn for source in self.databases}


def env_variable(database: str, suffix: str) -> str:
    """APP_DSN, DOCS_POD_FDW_PASSWORD: the variable the written file asks for."""
    return re.sub(r"[^A-Z0-9_]", "_", f"{database}_{suffix}".upper())


def sources_from_file(path: Path, env: str | None = None) -> Sources:
    topology = load_topology(path, env)
    resolved = resolve_topology(topology)
    databases = [
        Source(
            name=name,
            dsn=resolved.dsns[name],
            dsn_text=spec.dsn,
            primary=spec.primary,
            fdw=spec.fdw.model_dump(mode="json", exclude_defaults=True) if spec.fdw else {},
            replicas=spec.model_dump(mode="json", include={"replicas", "reads"}, exclude_defaults=True),
        )
        for name, spec in topology.databases.items()
    ]
    return Sources(databases, topology.name)


def sources_from_pairs(pairs: list[str], primary: str | None) -> Sources:
    """`NAME=DSN` pairs; the primary is --primary, else decided later from what the databases hold."""
    problems: list[str] = []
    found: dict[str, str] = {}
    for position, pair in enumerate(pairs, 1):
        name, equals, dsn = pair.partition("=")
        name = name.strip()
        # Only a valid key is ever repeated: a pair without NAME= starts with the DSN (and its password).
        try:
            check_identifier(name)
            label = f"--dsn {name!r}"
        except ValueError:
            label = f"--dsn #{position}"
        if not equals or not dsn.strip() or "://" in name:
            problems.append(f"{label}: expected NAME=DSN, e.g. --dsn app=postgresql://user@host/db")
            continue
        if label != f"--dsn {name!r}":
            problems.append(f"{label}: the database key before '=' is not a plain identifier (use lower-case letters, digits and _)")
            continue
        if name in found:
            problems.append(f"--dsn {name!r} is given twice")
            continue
        try:
            conninfo_to_dict(dsn)
        except Exception:
            problems.append(f"--dsn {name!r}: not a valid libpq connection string or URI")
            continue
        found[name] = dsn
    if primary is not None and primary not in found and found:
        problems.append(f"--primary {primary!r} is none of the --dsn names ({', '.join(found)})")
    if problems:
        raise SpecError(problems, hint="vtopo inspect --dsn app=$APP_DSN --dsn docs_pod=$DOCS_POD_DSN --primary app")
    databases = [
        Source(name=name, dsn=Sensitive(dsn), dsn_text=f"${{env:{env_variable(name, 'DSN')}}}", primary=name == primary)
        for name, dsn in found.items()
    ]
    return Sources(databases)


def with_primary(sources: Sources, primary: str) -> Sources:
    databases = [Source(s.name, s.dsn, s.dsn_text, s.name == primary, s.fdw, s.replicas) for s in sources.databases]
    return Sources(databases, sources.name)
