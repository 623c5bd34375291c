"""After `vtopo load` into an exposed remote collection, the primary's foreign table has
vtopo's pinned statistics again (even if someone ANALYZEd it), so postgres_fdw keeps
shipping searches whatever the load brought."""

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

    with applied.dbs.primary.connect() as conn:
        conn.execute("ANALYZE vtopo.notes")  # by hand: real statistics of the empty collection
    done = run_vtopo("load", "notes", str(path), "-f", str(applied.path), env=applied.env)

    assert done.returncode == 0, done.stderr
    assert "refreshed the primary's statistics of vtopo.notes" in done.stderr
    with applied.dbs.primary.connect() as conn:
        [(estimate, column_stats)] = conn.execute(
            "SELECT reltuples::bigint, exists (select 1 from pg_stats where schemaname = 'vtopo' and tablename = 'notes') "
            "FROM pg_class WHERE oid = 'vtopo.notes'::regclass").fetchall()
    assert (estimate, column_stats) == (1_000_000_000, False)
