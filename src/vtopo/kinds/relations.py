"""What the relation kinds (exposure views, foreign tables, exposed views) share: their one
catalog query (grants read it too) and the lock their replacement takes."""

from __future__ import annotations

from typing import Any, Iterator

from vtopo.catalog.changes import Action, Change, Hazard, HazardKind
from vtopo.catalog.model import Key, ObjectKind, key_of
from vtopo.catalog.names import JOURNAL_TABLE, VTOPO_SCHEMA

from .reader import CatalogReader


def relation_rows(reader: CatalogReader) -> list[dict[str, Any]]:
    """Relations in vtopo's schema, and the views the topology names elsewhere."""
    return reader.rows("relations", {"view_names": reader.wanted(ObjectKind.exposed_view)})


def is_journal(row: dict[str, Any]) -> bool:
    """vtopo's apply journal (vtopo.apply.journal): vtopo's own bookkeeping, never a managed object."""
    return row["schema"] == VTOPO_SCHEMA and row["name"] == JOURNAL_TABLE and row["kind"] == "r"


def relation_key(database: str, row: dict[str, Any]) -> Key | None:
    """The key of the object a relation row stands for (None: the journal, or a stray in vtopo's schema)."""
    if is_journal(row):
        return None
    if row["schema"] == VTOPO_SCHEMA:
        kinds = {"v": ObjectKind.exposure_view, "f": ObjectKind.foreign_table}
        return key_of(database, kinds[row["kind"]], row["name"]) if row["kind"] in kinds else None
    return key_of(database, ObjectKind.exposed_view, f"{row['schema']}.{row['name']}")


def stray_in_vtopo_schema(row: dict[str, Any]) -> bool:
    """Something else (a table...) in vtopo's schema: not ours, never dropped; if the topology
    wants its view or foreign table at that name, the plan must stop (a conflict) instead of
    planning a CREATE that fails at apply time."""
    return row["schema"] == VTOPO_SCHEMA and row["kind"] not in ("v", "f") and not is_journal(row)


def columns_of(row: dict[str, Any]) -> list[list[str]]:
    return [list(column) for column in (row["columns"] or [])]


def in_vtopo_schema(reader: CatalogReader, relkind: str) -> Iterator[tuple[dict[str, Any], list[list[str]], bool]]:
    """(row, columns, stray) for the relations of vtopo's schema an object of this relation kind
    ('v' exposure views, 'f' foreign tables) stands for: its own, and strays it must not clobber."""
    for row in relation_rows(reader):
        if row["schema"] == VTOPO_SCHEMA and row["kind"] == relkind:
            yield row, columns_of(row), False
        elif stray_in_vtopo_schema(row):
            yield row, columns_of(row), True


def lock_hazards(change: Change) -> list[Hazard]:
    """Replacing or dropping a relation takes an exclusive lock for the rest of the transaction."""
    if change.action in (Action.replace, Action.delete):
        return [Hazard(HazardKind.long_lock, "takes an exclusive lock; queries on it wait until the transaction commits")]
    return []
