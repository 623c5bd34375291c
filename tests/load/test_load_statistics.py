"""After `vtopo load` into an exposed remote collection, the primary's statistics are fresh,
so postgres_fdw keeps shipping filtered searches without a manual ANALYZE."""

from __future__ import annotations

import json

from harness import run_vtopo

COLLECTIONS = {
    "notes": {
        "database": "pod1",
        "dimension": 3,
        "metadata": {"lang": {"type": "text"}},
        "expose": {"view": "public.notes"},
    },
}


def test_load_refreshes_the_foreign_table_statistics(applied, tmp_path):
    rows = [{"id": f"n{i}", "vector": [1.0, i / 100, 0.5], "metadata": {"lang": "en"}} for i in range(600)]
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))

    done = run_vtopo("load", "notes", str(path), "-f", str(applied.path), env=applied.env)

    assert done.returncode == 0, done.stderr
    assert "refreshed the primary's statistics of vtopo.notes" in done.stderr
    with applied.dbs.primary.connect() as conn:
        [(estimate,)] = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = 'vtopo.notes'::regclass").fetchall()
    assert estimate == 600
