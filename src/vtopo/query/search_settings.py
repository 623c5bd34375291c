"""The search settings of a direct query: the ones a query through the primary runs with.

A query through the primary runs on the secondary as the reader role, whose settings
(desired/settings.py: the collections' `search:` blocks, the iterative-scan default for
collections with metadata fields, cursor_tuple_fraction) decide how many rows a filtered
top-k returns. A direct query sets the same values in its own transaction, so both paths
answer alike; per-query ef_search / probes still win.
"""

from __future__ import annotations

from vtopo.desired.settings import DEFAULT_PROBES, reader_settings, search_settings
from vtopo.spec.models import Topology

# Vecs sets these on every query unless told otherwise; the reader role's values replace them.
VECS_DEFAULT_SETTINGS = {"ivfflat.probes": DEFAULT_PROBES, "hnsw.ef_search": "40"}


def effective_settings(topology: Topology, name: str) -> dict[str, str]:
    """What the reader role gets for collection `name`; for a collection no reader role
    serves (not exposed, or on the primary), its own `search:` block."""
    spec = topology.collections[name]
    if spec.expose is not None and spec.databases[0] != topology.primary_name:
        return reader_settings(topology, spec.databases[0])  # a sharded collection's shards agree (spec/rules.py)
    return search_settings(spec)


def direct_settings(effective: dict[str, str], *, probes: int | None, ef_search: int | None) -> dict[str, str]:
    """The settings one direct query sets: Vecs's defaults, the effective settings, the query's own."""
    settings = {**VECS_DEFAULT_SETTINGS, **effective}
    if probes is not None:
        settings["ivfflat.probes"] = str(probes)
    if ef_search is not None:
        settings["hnsw.ef_search"] = str(ef_search)
    return settings
