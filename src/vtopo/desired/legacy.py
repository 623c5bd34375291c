"""Reader roles keep the name they have.

Default reader role names carry a hash of their database (roles are shared by every database
of a server). A deployment made before has `vtopo_fdw_<key>`, marked without an owner; when
that role is this database's (introspection says so) and the default name does not exist, the
topology's objects name the existing role instead: it is adopted (marked with its owner on the
next apply), never dropped and re-created, and reads through the primary never lose their
login. Once marked, it stays this database's reader role under that name.
"""

from __future__ import annotations

from vtopo.catalog.model import Catalog, ObjectKind
from vtopo.kinds import kind_of
from vtopo.kinds.role import READER


def keep_legacy_names(desired: Catalog, live: Catalog) -> Catalog:
    """desired with each default-named reader role missing from `live` replaced by the reader
    role `live` holds for that database (if any); desired itself when nothing is renamed."""
    renames: list[tuple[str, str, str]] = []
    for obj in desired:
        if obj.kind is not ObjectKind.role or not obj.attrs_dict.get("default_name") or live.get(obj.key) is not None:
            continue
        existing = sorted(o.name for o in live.in_database(obj.database)
                          if o.kind is ObjectKind.role and o.managed and o.attrs_dict.get("purpose") == READER)
        if existing:
            renames.append((obj.database, obj.name, existing[0]))
    if not renames:
        return desired
    renamed = Catalog()
    for obj in desired:
        for database, old_name, new_name in renames:
            obj = kind_of(obj.kind).with_role(obj, database, old_name, new_name)
        renamed.add(obj)
    return renamed
