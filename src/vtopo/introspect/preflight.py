"""Checks before any DDL: can each server give the topology what it needs?"""

from __future__ import annotations

from vtopo.catalog.model import Catalog, ObjectKind
from vtopo.catalog.scram import UNREADABLE, SecretState, compare_password
from vtopo.diagnostics import Diagnostic, note
from vtopo.errors import PlanError
from vtopo.introspect.live import DatabaseFacts

K = ObjectKind
EXTENSION_HINTS = {
    "vector": "install pgvector on that server (https://github.com/pgvector/pgvector#installation)",
    "postgres_fdw": "install PostgreSQL's contrib modules (postgres_fdw) on that server",
    "dblink": "install PostgreSQL's contrib modules (dblink) on that server, or set expose.function: false",
}


def check_extensions(desired: Catalog, facts: dict[str, DatabaseFacts]) -> None:
    """Every extension the topology needs is installed or installable; all problems at once."""
    problems, hints = [], []
    for obj in desired:
        if obj.kind is not K.extension:
            continue
        database = facts.get(obj.database)
        if database is None or obj.name in database.extensions or obj.name in database.available:
            continue
        problems.append(f"database {obj.database!r}: extension {obj.name} is not available on the server")
        hints.append(EXTENSION_HINTS.get(obj.name, f"install {obj.name}"))
    # A search function over a remote collection creates dblink (in schema vtopo) itself.
    for database in sorted({obj.database for obj in desired if obj.kind is K.search_function and obj.spec_dict.get("server")}):
        facts_of = facts.get(database)
        if facts_of is not None and "dblink" not in facts_of.available:
            problems.append(f"database {database!r}: extension dblink (the search functions' connection to the secondaries) is not available on the server")
            hints.append(EXTENSION_HINTS["dblink"])
    if problems:
        raise PlanError("\n".join(problems), hint="; ".join(dict.fromkeys(hints)))


def unreadable_secret_notes(desired: Catalog, live: Catalog) -> list[Diagnostic]:
    """Where a password cannot be compared (hidden by the catalog, or stored as an md5 verifier),
    say that rotation cannot be detected, instead of planning a phantom change."""
    notes = []
    for obj in desired:
        current = live.get(obj.key)
        if current is None:
            continue
        live_secrets = current.secrets_dict
        for name, wanted in obj.secrets:
            if wanted is None or name not in live_secrets:
                continue
            value = live_secrets[name]
            if value is UNREADABLE:
                why = "is not readable by this user (a superuser can read it)"
            elif compare_password(wanted, value) is SecretState.unknown:
                why = "is stored in a form vtopo cannot compare (e.g. md5; SCRAM-SHA-256 can be compared)"
            else:
                continue
            notes.append(note(f"database {obj.database!r}: the {name} of {obj.label()} {why}; a changed password is not detected", where=obj.database))
    return notes


def check_vector_compatibility(primary: str, secondaries: list[str], facts: dict[str, DatabaseFacts]) -> list[Diagnostic]:
    """postgres_fdw ships pgvector operators qualified with the primary's extension schema, so
    the schema must match on every secondary the primary reads. Version differences are notes."""
    notes: list[Diagnostic] = []
    problems: list[str] = []
    here = _vector_placement(facts.get(primary))
    for secondary in secondaries:
        there = _vector_placement(facts.get(secondary))
        if here is None or there is None or None in (here["schema"], there["schema"]):
            continue  # nothing known about where it is or would go
        if here["schema"] != there["schema"]:
            problems.append(
                f"database {secondary!r}: extension vector {_lives(there)} schema {there['schema']!r}, "
                f"but {_lives(here)} {here['schema']!r} on the primary {primary!r}; remote queries would fail"
            )
        elif None not in (here["version"], there["version"]) and here["version"] != there["version"]:
            notes.append(note(
                f"pgvector {here['version']} on {primary!r} but {there['version']} on {secondary!r}: "
                "operators and settings of the newer version may not exist on the older",
                where=secondary,
            ))
    if problems:
        raise PlanError(
            "\n".join(problems),
            hint="install vector in the same schema everywhere (CREATE EXTENSION vector SCHEMA ... before applying, or ALTER EXTENSION vector SET SCHEMA ...)",
        )
    return notes


def _vector_placement(database: DatabaseFacts | None) -> dict | None:
    """Where vector is installed, or where this plan's CREATE EXTENSION (no SCHEMA) would put it."""
    if database is None:
        return None
    installed = database.extensions.get("vector")
    if installed is not None:
        return {"schema": installed["schema"], "version": installed["version"], "created": False}
    available = database.available.get("vector")
    if available is None:
        return None
    return {"schema": available.get("install_schema"), "version": None, "created": True}


def _lives(placement: dict) -> str:
    return "would be created in" if placement["created"] else "lives in"
