"""Settings of the reader role on a secondary: search knobs of the exposed collections and how
cursors are planned, so queries arriving through postgres_fdw behave like direct ones."""

from __future__ import annotations

from vtopo.spec.models import CollectionSpec, Topology


def search_settings(spec: CollectionSpec) -> dict[str, str]:
    """GUCs for the reader role, from the collection's search block."""
    search = spec.search
    if search is None:
        return {}
    method = spec.index.method.value
    prefix = "hnsw" if method == "hnsw" else "ivfflat"
    values = {
        "hnsw.ef_search": search.ef_search,
        "hnsw.max_scan_tuples": search.max_scan_tuples,
        "ivfflat.probes": search.probes,
        "ivfflat.max_probes": search.max_probes,
        f"{prefix}.iterative_scan": search.iterative_scan.value if search.iterative_scan else None,
    }
    return {name: str(value) for name, value in values.items() if value is not None}


# Filtered search behind the FDW: an index scan yields at most ef_search (or the probed
# lists') candidates before the filter, so a selective filter would return fewer than k rows.
# Iterative scans keep going; strict_order because the primary trusts the remote order.
ITERATIVE_DEFAULTS = {"hnsw": "strict_order", "ivfflat": "relaxed_order"}

# The lists an IVFFlat search probes unless `search.probes` says otherwise: the Vecs client's
# default (it sets 10 on every query), so a search through the primary probes as many lists as
# one through Vecs or `vtopo query --via direct` (pgvector's own default, 1, found less).
DEFAULT_PROBES = "10"


def reader_settings(topology: Topology, secondary: str) -> dict[str, str]:
    """The reader role's settings: explicit `search:` values of the exposed collections first
    (validation makes them agree), then Vecs's probes for IVFFlat and iterative scan for
    collections with filterable fields."""
    exposed = [spec for spec in topology.collections_in(secondary).values() if spec.expose is not None]
    if not exposed:
        return {}
    # postgres_fdw reads through a cursor, which PostgreSQL plans for fast first rows
    # (cursor_tuple_fraction 0.1): a filtered top-k then took an approximate plan that a
    # direct query does not. The FDW reads every row it asks for (LIMIT is shipped).
    settings: dict[str, str] = {"cursor_tuple_fraction": "1"}
    reader = topology.databases[secondary].reader
    if reader is not None:
        settings.update(reader.settings())  # the pod's own limits for queries through the primary
    for spec in exposed:
        for name, value in search_settings(spec).items():
            settings.setdefault(name, value)
    if any(spec.index.method.value == "ivfflat" for spec in exposed):
        settings.setdefault("ivfflat.probes", DEFAULT_PROBES)
    explicit_iterative = {spec.index.method.value for spec in exposed if spec.search and spec.search.iterative_scan}
    for spec in exposed:
        method = spec.index.method.value
        if spec.metadata and method in ITERATIVE_DEFAULTS and method not in explicit_iterative:
            settings.setdefault(f"{method}.iterative_scan", ITERATIVE_DEFAULTS[method])
    return settings
