"""The registry of object kinds: one module per kind declares everything about it.

Adding a kind: its ObjectKind member (catalog/model.py, at its rank), its module here,
its entry in KINDS, its templates (templates/ddl/<kind>/), and where the desired state
asks for it (desired/build.py). tests/kinds check that every kind has every part.
"""

from __future__ import annotations

from vtopo.catalog.model import ObjectKind

from . import (
    collection,
    exposed_view,
    exposure_view,
    extension,
    foreign_server,
    foreign_table,
    grant,
    metadata_index,
    role,
    role_setting,
    schema,
    search_function,
    shard_guard,
    user_mapping,
    vector_index,
)
from .base import HazardFacts, Kind, Verdict

KINDS: dict[ObjectKind, Kind] = {
    definition.kind: definition
    for definition in (
        extension.Extension(),
        schema.Schema(),
        role.Role(),
        role_setting.RoleSetting(),
        collection.Collection(),
        vector_index.VectorIndex(),
        metadata_index.MetadataIndex(),
        shard_guard.ShardGuard(),
        exposure_view.ExposureView(),
        foreign_server.ForeignServer(),
        user_mapping.UserMapping(),
        foreign_table.ForeignTable(),
        exposed_view.ExposedView(),
        search_function.SearchFunction(),
        grant.Grant(),
    )
}


def kind_of(kind: ObjectKind) -> Kind:
    return KINDS[kind]


__all__ = ["KINDS", "HazardFacts", "Kind", "Verdict", "kind_of"]
