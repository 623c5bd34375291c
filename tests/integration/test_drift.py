"""Drift: changes made by hand are named by `plan --detailed-exitcode` (exit 2) and undone by apply."""

from __future__ import annotations

from psycopg import sql

from .helpers import (
    READER,
    can_select,
    changes_of,
    execute,
    foreign_table_server,
    relkind,
    role_settings,
    server_options,
    vector_indexes,
)


def test_drift_is_planned_and_repaired(applied):
    pod1, pod2, app = applied.db("pod1"), applied.db("pod2"), applied.db("app")
    reader = applied.reader("pod1")
    (index,) = vector_indexes(pod1, "articles")
    execute(pod1, f'drop index vecs."{index["name"]}"')
    execute(app, "alter server vtopo_pod2 options (set fetch_size '7')")
    execute(app, f"revoke select on public.faces from {READER}")
    execute(pod1, sql.SQL("alter role {} in database {} set hnsw.ef_search = 5").format(sql.Identifier(reader), sql.Identifier(pod1.dbname)))
    # The exposed view depends on the foreign table: it goes too.
    execute(app, "drop foreign table vtopo.clips cascade")

    result = applied.plan("--detailed-exitcode", expect=2)
    for line in (
        "+ vector_index articles",
        "~ foreign_server vtopo_pod2",
        "fetch_size: 7 → 1000",
        f"+ grant SELECT on public.faces to {READER}",
        f"~ role_setting {reader}:hnsw.ef_search",
        "hnsw.ef_search",
        "+ foreign_table clips",
        "+ exposed_view public.clips",
    ):
        assert line in result.stdout, f"{line!r} not in the plan:\n{result.stdout}"
    assert changes_of(applied.plan_document()) == {
        ("pod1", "vector_index", "articles", "create"),
        ("app", "foreign_server", "vtopo_pod2", "update"),
        ("app", "grant", f"SELECT on public.faces to {READER}", "create"),
        ("pod1", "role_setting", f"{reader}:hnsw.ef_search", "update"),
        ("app", "foreign_table", "clips", "create"),
        ("app", "exposed_view", "public.clips", "create"),
        ("app", "grant", f"SELECT on public.clips to {READER}", "create"),
        ("app", "grant", f"SELECT on vtopo.clips to {READER}", "create"),
    }

    applied.apply_auto()
    (rebuilt,) = vector_indexes(pod1, "articles")
    assert (rebuilt["method"], rebuilt["options"], rebuilt["valid"]) == ("hnsw", ["ef_construction=32", "m=8"], True)
    assert server_options(app, "vtopo_pod2")["fetch_size"] == "1000"
    assert can_select(app, READER, "public.faces")
    assert role_settings(pod1, reader)["hnsw.ef_search"] == "60"
    assert foreign_table_server(app, "vtopo.clips") == "vtopo_pod2"
    assert relkind(app, "public.clips") == "v" and can_select(app, READER, "public.clips")
    assert relkind(pod2, "vecs.clips") == "r"
    applied.assert_converged()
