"""A topology with every kind of wiring, for the graph tests (no database needed offline)."""

from __future__ import annotations

# app (primary) + pod1 + pod2: a secondary's collection exposed with two readers, one in a
# schema of its own, a collection on the primary, and an unexposed halfvec collection.
COLLECTIONS = {
    "docs": {
        "database": "pod1", "dimension": 8, "measure": "cosine",
        "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
        "metadata": {"url": {"type": "text", "index": True}, "year": {"type": "integer"}},
        "expose": {"view": "public.docs", "grant": ["anon", "authenticated"]},
    },
    "clips": {
        "database": "pod2", "dimension": 4, "measure": "l2", "index": {"method": "ivfflat", "lists": 4},
        "expose": {"view": "catalog.clips", "grant": ["reader"]},
    },
    "faces": {"database": "app", "dimension": 5, "measure": "inner_product", "expose": {"view": "public.faces"}},
    "notes": {"database": "pod1", "dimension": 6, "type": "halfvec", "index": {"method": "none"}},
}


def offline_topology(name: str = "gallery") -> dict:
    databases = {
        "app": {"primary": True, "dsn": "${env:G_APP_DSN}"},
        "pod1": {"dsn": "${env:G_POD1_DSN}", "fdw": {"password": "${env:G_POD1_FDW_PASSWORD}"}},
        "pod2": {"dsn": "${env:G_POD2_DSN}", "fdw": {"password": "${env:G_POD2_FDW_PASSWORD}"}},
    }
    return {"version": 1, "name": name, "databases": databases, "collections": COLLECTIONS}


