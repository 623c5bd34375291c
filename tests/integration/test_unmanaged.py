"""vtopo drops only what it created: a table in vecs it did not make and the topology does not
name is left alone and listed once as "not managed"; collections vtopo made that left the file
are dropped (also those an earlier vtopo made, before tables carried its mark)."""

from __future__ import annotations

import json

from .helpers import count, execute, relkind, scalar

STRAY = (
    "create table vecs.stray (id character varying primary key, vec vector(3) not null,"
    " metadata jsonb not null default '{}'::jsonb)",
    # Indexes the Vecs client would make (random suffixes), and one vtopo never would.
    "create index ix_meta_q1w2e3r on vecs.stray using gin (metadata jsonb_path_ops)",
    "create index ix_vector_cosine_ops_hnsw_m16_efc64_z9y8x7w on vecs.stray using hnsw (vec vector_cosine_ops)",
)


def test_a_hand_made_table_in_vecs_survives_apply_auto_approve(topo):
    pod1 = topo.db("pod1")
    execute(pod1, "create extension if not exists vector", "create schema if not exists vecs", *STRAY)
    topo.apply_auto()
    assert relkind(pod1, "vecs.stray") == "r"
    assert scalar(pod1, "select count(*) from pg_indexes where schemaname = 'vecs' and tablename = 'stray'") == 3

    execute(pod1, "insert into vecs.stray values ('a', '[1,2,3]', '{}')")
    shown = topo.plan("--detailed-exitcode", expect=0)
    assert "No changes" in shown.stdout
    assert shown.stdout.count("collection stray in pod1") == 1, shown.stdout
    assert "not managed" in shown.stdout
    document = json.loads(topo.plan("--format", "json").stdout)
    assert document["not_managed"] == [{"database": "pod1", "kind": "collection", "name": "stray"}]
    assert not [c for c in document["changes"] if "stray" in c["name"]]
    topo.apply_auto()  # rows in it: still no refusal, nothing planned for it
    assert count(pod1, "vecs.stray") == 1


def test_collections_vtopo_made_are_dropped_when_they_leave_the_file(applied):
    pod1, pod2 = applied.db("pod1"), applied.db("pod2")
    assert scalar(pod1, "select obj_description('vecs.articles'::regclass, 'pg_class')") == 'vtopo:{"collection":"articles"}'
    # clips as an earlier vtopo made it: no mark on the table, but vtopo's index names.
    execute(pod2, "comment on table vecs.clips is null")
    applied.assert_converged()
    del applied.collections["articles"], applied.collections["clips"]
    applied.write()
    document = json.loads(applied.plan("--format", "json").stdout)
    deleted = {(c["database"], c["name"]) for c in document["changes"] if c["kind"] == "collection" and c["action"] == "delete"}
    assert deleted == {("pod1", "articles"), ("pod2", "clips")}
    assert document["not_managed"] == []
    applied.apply_auto()
    assert relkind(pod1, "vecs.articles") is None and relkind(pod2, "vecs.clips") is None
    applied.assert_converged()
