"""Apply to empty databases: every object lands where the design says, the next plan is empty,
and the primary serves a secondary's collection to the roles in expose.grant only."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import yaml

from .helpers import (
    OUTSIDER,
    READER,
    can_select,
    execute,
    foreign_table_server,
    hazards_of,
    index_names,
    insert_vectors,
    relkind,
    role_settings,
    rows,
    schema_usage,
    server_options,
    table_grantees,
    user_mapping_options,
    vector_dimension,
    vector_indexes,
    view_options,
    vtopo,
)

REPOSITORY = Path(__file__).resolve().parents[2]


def assert_vector_index(db, table: str, *, method: str, opclass: str, options: list[str], name_part: str) -> None:
    (index,) = vector_indexes(db, table)
    assert (index["method"], index["opclass"], index["options"], index["valid"]) == (method, opclass, sorted(options), True)
    assert index["name"].startswith(f"ix_{opclass}_{name_part}_"), index["name"]


def test_apply_creates_everything_and_the_next_plan_is_empty(topo):
    reader1, reader2 = topo.reader("pod1"), topo.reader("pod2")
    document = topo.plan_document()
    assert hazards_of(document, "role", reader1) == {"touches_secret"}
    assert hazards_of(document, "user_mapping", "vtopo_pod1:public") == {"touches_secret"}
    assert hazards_of(document, "role", READER) == set()  # NOLOGIN, no password

    result = topo.apply_auto()
    assert "Apply complete: " in result.stdout
    assert "verified: a fresh plan is empty" in result.stderr
    topo.assert_converged()

    pod1, pod2, app = topo.db("pod1"), topo.db("pod2"), topo.db("app")
    # pod1: the Vecs table, its HNSW index with the cosine opclass, the promoted-field index, the exposure view.
    assert relkind(pod1, "vecs.articles") == "r" and vector_dimension(pod1, "articles") == 8
    assert_vector_index(pod1, "articles", method="hnsw", opclass="vector_cosine_ops",
                        options=["m=8", "ef_construction=32"], name_part="hnsw_m8_efc32")
    assert "vecs.vtopo_md_articles_lang" in index_names(pod1, "vecs.articles")
    assert relkind(pod1, "vtopo.articles") == "v"
    # ... and the reader role: login, search settings, SELECT on the exposure view only.
    assert rows(pod1, "select rolcanlogin from pg_roles where rolname = %s", (reader1,)) == [(True,)]
    assert role_settings(pod1, reader1) == {
        "hnsw.ef_search": "60",
        "hnsw.iterative_scan": "strict_order",
        "cursor_tuple_fraction": "1",
    }
    assert can_select(pod1, reader1, "vtopo.articles")
    assert not can_select(pod1, reader1, "vecs.articles")

    # pod2: IVFFlat with the l2 opclass, probes for the reader role.
    assert relkind(pod2, "vecs.clips") == "r" and vector_dimension(pod2, "clips") == 4
    assert_vector_index(pod2, "clips", method="ivfflat", opclass="vector_l2_ops", options=["lists=4"], name_part="ivfflat_nl4")
    assert role_settings(pod2, reader2)["ivfflat.probes"] == "2"

    # primary: its own collection (HNSW defaults, inner product), the FDW wiring and the exposed views.
    assert_vector_index(app, "faces", method="hnsw", opclass="vector_ip_ops",
                        options=["m=16", "ef_construction=64"], name_part="hnsw_m16_efc64")
    assert {name for (name,) in rows(app, "select extname from pg_extension")} >= {"vector", "postgres_fdw"}
    for key, db in (("pod1", pod1), ("pod2", pod2)):
        options = server_options(app, f"vtopo_{key}")
        assert options is not None, f"no foreign server vtopo_{key}"
        assert {k: options[k] for k in ("extensions", "host", "port", "dbname", "fetch_size")} == {
            "extensions": "vector", "host": db.peer_host, "port": str(db.peer_port), "dbname": db.dbname, "fetch_size": "1000",
        }
        mapping = user_mapping_options(app, f"vtopo_{key}")
        assert mapping is not None and mapping["user"] == topo.reader(key) and mapping["password"] == topo.env[f"IT_{key.upper()}_FDW_PASSWORD"]
    assert foreign_table_server(app, "vtopo.articles") == "vtopo_pod1"
    assert foreign_table_server(app, "vtopo.clips") == "vtopo_pod2"
    for view in ("public.articles", "public.clips", "public.faces"):
        assert relkind(app, view) == "v"
        assert "security_invoker=true" in view_options(app, view)
        assert table_grantees(app, view) == {("SELECT", READER)}
    assert rows(app, "select rolcanlogin from pg_roles where rolname = %s", (READER,)) == [(False,)]
    assert schema_usage(app, READER, "vtopo") and can_select(app, READER, "vtopo.articles")
    assert schema_usage(app, READER, "vecs") and can_select(app, READER, "vecs.faces")


def test_primary_serves_secondary_rows_to_granted_roles_only(applied):
    pod1, pod2, app = applied.db("pod1"), applied.db("pod2"), applied.db("app")
    insert_vectors(pod1, "articles", [
        ("a-de", [1, 0, 0, 0, 0, 0, 0, 0], {"lang": "de", "year": 2021}),
        ("a-en", [0, 1, 0, 0, 0, 0, 0, 0], {"lang": "en", "year": 2019}),
        ("a-fr", [0, 0, 1, 0, 0, 0, 0, 0], {"lang": "fr", "year": "not a number"}),
    ])
    insert_vectors(pod2, "clips", [("c-near", [1, 1, 1, 1], {"seconds": 2.5}), ("c-far", [9, 9, 9, 9], {"seconds": 30})])
    insert_vectors(app, "faces", [("f-ada", [1, 0, 0, 0], {"person": "ada"}), ("f-bob", [0, 1, 0, 0], {"person": "bob"})])
    execute(app, f"create role {OUTSIDER}", f"grant usage on schema vtopo, vecs to {OUTSIDER}")

    with app.connect() as conn:
        conn.execute(f"set role {READER}")
        assert conn.execute("select id, lang, year from public.articles where lang = 'de'").fetchall() == [("a-de", "de", 2021)]
        # A promoted integer field of the wrong JSON type is NULL, not an error.
        assert conn.execute("select id, year from public.articles where lang = 'fr'").fetchall() == [("a-fr", None)]
        assert conn.execute("select id from public.clips order by embedding <-> '[1,1,1,1.2]' limit 1").fetchall() == [("c-near",)]
        assert conn.execute("select id, seconds from public.clips where seconds > 10").fetchall() == [("c-far", 30)]
        assert conn.execute("select id from public.faces where person = 'bob'").fetchall() == [("f-bob",)]
        # The filter on the promoted column is shipped to pod1 (a column of the remote view).
        plan = "\n".join(r[0] for r in conn.execute("explain verbose select id from public.articles where lang = 'de'"))
        assert "Remote SQL:" in plan and "lang = 'de'" in plan.split("Remote SQL:", 1)[1], plan

    for view in ("public.articles", "public.clips", "public.faces"):
        with app.connect() as conn:
            conn.execute(f"set role {OUTSIDER}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                conn.execute(f"select id from {view}")


def test_the_repository_example_topology_applies_and_replans_empty(pg_dbs, tmp_path, monkeypatch):
    data = yaml.safe_load((REPOSITORY / "topology.example.yaml").read_text())
    env = {"APP_DSN": pg_dbs.primary.dsn, "DOCS_POD_DSN": pg_dbs.secondary1.dsn, "MEDIA_POD_DSN": pg_dbs.secondary2.dsn,
           "DOCS_POD_FDW_PASSWORD": "docs-fdw-pw", "MEDIA_POD_FDW_PASSWORD": "media-fdw-pw"}
    for key, db in (("docs_pod", pg_dbs.secondary1), ("media_pod", pg_dbs.secondary2)):
        if (db.peer_host, db.peer_port) != (db.host, db.port):  # containers reach each other by alias
            data["databases"][key]["fdw"].update(host=db.peer_host, port=db.peer_port)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))

    vtopo("apply", "-f", str(path), "--auto-approve")
    assert "No changes" in vtopo("plan", "-f", str(path), "--detailed-exitcode").stdout

    docs, posts, app = pg_dbs.secondary1, pg_dbs.secondary2, pg_dbs.primary
    assert_vector_index(docs, "docs", method="hnsw", opclass="vector_cosine_ops", options=["m=16", "ef_construction=64"],
                        name_part="hnsw_m16_efc64")
    assert_vector_index(posts, "posts", method="ivfflat", opclass="vector_l2_ops", options=["lists=100"], name_part="ivfflat_nl100")
    assert_vector_index(app, "images", method="hnsw", opclass="vector_ip_ops", options=["m=16", "ef_construction=64"],
                        name_part="hnsw_m16_efc64")
    assert foreign_table_server(app, "vtopo.docs") == "vtopo_docs_pod"
    assert foreign_table_server(app, "vtopo.posts") == "vtopo_media_pod"
    assert table_grantees(app, "public.docs") == {("SELECT", "anon"), ("SELECT", "authenticated")}
    assert table_grantees(app, "public.posts") == {("SELECT", "authenticated")}
    assert relkind(app, "public.images") == "v"
    with app.connect() as conn:
        conn.execute("set role authenticated")
        assert conn.execute("select count(*) from public.posts").fetchone() == (0,)
