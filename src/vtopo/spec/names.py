"""Rules for the names a topology may contain.

vtopo never quotes a user's odd name into SQL: every identifier must be a plain,
lower-case PostgreSQL identifier, so what the user wrote is exactly what the
catalog holds and what psql shows without quotes.
"""

from __future__ import annotations

import hashlib
import re
from typing import Annotated

from pydantic import AfterValidator

MAX_IDENTIFIER_BYTES = 63
_PLAIN_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def check_identifier(value: str) -> str:
    if not isinstance(value, str) or value == "":
        raise ValueError("must be a non-empty identifier")
    if len(value.encode("utf-8")) > MAX_IDENTIFIER_BYTES:
        raise ValueError(
            f"{value[:20]!r}... is {len(value.encode('utf-8'))} bytes; PostgreSQL identifiers "
            f"are at most {MAX_IDENTIFIER_BYTES} bytes"
        )
    if not _PLAIN_IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a plain identifier: use lower-case letters, digits and "
            "underscores, starting with a letter or underscore"
        )
    return value


def check_role_name(value: str) -> str:
    check_identifier(value)
    if value.startswith("pg_"):
        raise ValueError(f"{value!r}: role names starting with 'pg_' are reserved by PostgreSQL")
    if value in ("public", "none"):
        raise ValueError(f"{value!r} is a reserved role name in PostgreSQL (public means every role); name a real role")
    return value


def check_collection_name(value: str) -> str:
    check_identifier(value)
    if value.startswith("_"):
        raise ValueError(f"{value!r}: the Vecs client ignores collections whose name starts with '_'")
    return value


def check_qualified_name(value: str) -> str:
    """`schema.name` or `name` (schema public), both parts plain identifiers."""
    if not isinstance(value, str) or value == "":
        raise ValueError("must be a view name such as public.docs")
    parts = value.split(".")
    if len(parts) > 2:
        raise ValueError(f"{value!r}: expected 'schema.name' or 'name'")
    for part in parts:
        check_identifier(part)
    return value if len(parts) == 2 else f"public.{value}"


Identifier = Annotated[str, AfterValidator(check_identifier)]
RoleName = Annotated[str, AfterValidator(check_role_name)]
CollectionName = Annotated[str, AfterValidator(check_collection_name)]
QualifiedName = Annotated[str, AfterValidator(check_qualified_name)]


def split_qualified(value: str) -> tuple[str, str]:
    schema, _, name = value.partition(".")
    return (schema, name) if name else ("public", schema)


# Names vtopo gives what it creates outside a database's own catalog (servers, reader roles).
def bounded_name(*parts: str) -> str:
    """Join parts with '_'; if longer than 63 bytes, cut and add a short hash so it stays unique."""
    name = "_".join(parts)
    if len(name.encode()) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return name.encode()[: MAX_IDENTIFIER_BYTES - 9].decode(errors="ignore").rstrip("_") + "_" + digest


def server_name(database: str) -> str:
    return bounded_name("vtopo", database)


def shard_table_name(collection: str, shard: str) -> str:
    """The primary's foreign table over one shard of a sharded collection: `<collection>__<shard>`."""
    return bounded_name(collection, "", shard)


def reader_role_name(database: str) -> str:
    """The reader role's name before roles carried their owner (adopted, kept where it exists)."""
    return bounded_name("vtopo_fdw", database)


def owned_reader_role_name(database: str, dbname: str | None) -> str:
    """The default reader role: `vtopo_fdw_<key>_<8 hex of the secondary's database name>`.

    Roles are cluster-wide; two topologies on one server use the same database keys but
    never the same database, so the name is unique per (topology, database). Offline (the
    database name unknown) the suffix is `*`, for pictures only: nothing is rendered then.
    """
    suffix = hashlib.sha256(dbname.encode()).hexdigest()[:8] if dbname else "*"
    return bounded_name("vtopo_fdw", database, suffix)
