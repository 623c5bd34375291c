"""Opening connections to the topology's databases, with secret-free errors."""

from __future__ import annotations

import urllib.parse
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from vtopo.errors import DatabaseUnreachable
from vtopo.spec.secrets import MASK, Sensitive

APPLICATION_NAME = "vtopo"


def scrub(text: str, *secrets: Sensitive | None) -> str:
    """Remove every secret (and its URL-encoded form) from text meant for people."""
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal()
        candidates = {value}
        try:
            password = conninfo_to_dict(value).get("password")
        except Exception:
            password = None
        if password:
            candidates |= {str(password), urllib.parse.quote(str(password), safe=""), urllib.parse.quote(str(password))}
        # As a SQL literal, the way a server error quoting the statement shows it ('it''s', E'a\\b').
        candidates |= {form for raw in list(candidates) for form in _sql_quoted_forms(raw)}
        for candidate in sorted(candidates, key=len, reverse=True):
            if candidate and len(candidate) >= 3:
                text = text.replace(candidate, MASK)
    return text


def _sql_quoted_forms(value: str) -> set[str]:
    literal = sql.Literal(value).as_string(None)
    return {value.replace("'", "''"), literal[literal.index("'") + 1 : -1]}


def connection_failed(error: BaseException) -> bool:
    """SQLSTATE class 08: a connection failed (from the server: postgres_fdw's to a secondary)."""
    return (getattr(error, "sqlstate", None) or "").startswith("08")


def server_message(error: BaseException) -> str:
    """One line for people from a database error. postgres_fdw's failure to reach a secondary
    says only 'could not connect to server "…"'; the reason is in its DETAIL, so add it.
    Not scrubbed: callers scrub with the secrets they hold."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    diag = getattr(error, "diag", None)
    detail = (getattr(diag, "message_detail", None) or "").strip() if connection_failed(error) else ""
    return f"{first}: {' '.join(detail.split())}" if detail else first


def masked_dsn(dsn: Sensitive) -> str:
    """The DSN as people may see it: every part but the password (shown as (sensitive))."""
    try:
        parts = conninfo_to_dict(dsn.reveal())
    except Exception:
        return MASK  # unparsable: it could be anything, show nothing
    return " ".join(f"{key}={MASK if key in ('password', 'sslpassword') else value}" for key, value in parts.items())


def describe_connection_error(error: Exception, dsn: Sensitive) -> tuple[str, str | None]:
    """A short message and hint for a failed connection; never contains the DSN's password."""
    message = scrub(server_message(error), dsn)
    lowered = message.lower()
    if "password authentication failed" in lowered:
        hint = "check the password in the DSN's secret reference"
    elif "connection refused" in lowered or "could not translate host" in lowered or "timeout" in lowered:
        hint = "is the server running and reachable? (local servers: vtopo dev up)"
    elif "does not exist" in lowered:
        hint = "check the database name in the DSN"
    else:
        hint = None
    return f"cannot connect: {message}", hint


def connect(database: str, dsn: Sensitive, *, autocommit: bool = True, connect_timeout: int = 10) -> psycopg.Connection:
    try:
        return psycopg.connect(
            dsn.reveal(),
            autocommit=autocommit,
            connect_timeout=connect_timeout,
            application_name=APPLICATION_NAME,
        )
    except psycopg.Error as error:
        message, hint = describe_connection_error(error, dsn)
        raise DatabaseUnreachable(database, message, hint=hint) from None


def connect_first(database: str, dsns: list[Sensitive], **kwargs) -> psycopg.Connection:
    """The first of `dsns` (a database and its replicas, in read order) that answers."""
    failures: list[DatabaseUnreachable] = []
    for dsn in dsns:
        try:
            return connect(database, dsn, **kwargs)
        except DatabaseUnreachable as error:
            failures.append(error)
    first = failures[0]
    raise DatabaseUnreachable(database, f"none of its {len(dsns)} servers answered; {first.reason}", hint=first.hint)


@contextmanager
def connection(database: str, dsn: Sensitive, **kwargs) -> Iterator[psycopg.Connection]:
    conn = connect(database, dsn, **kwargs)
    try:
        yield conn
    finally:
        conn.close()
