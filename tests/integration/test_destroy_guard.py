"""Dropping or rebuilding a collection that holds rows needs --allow-destroy; prevent_destroy never yields."""

from __future__ import annotations

from .helpers import (
    OUTSIDER,
    READER,
    assert_unchanged,
    can_select,
    count,
    insert_vectors,
    relkind,
    role_exists,
    schema_usage,
    server_options,
    snapshots,
    user_mapping_options,
    vector_dimension,
)


def test_removing_a_collection_with_rows_needs_allow_destroy(applied):
    pod2, app = applied.db("pod2"), applied.db("app")
    # A second grantee that only clips uses: its grants on the primary must go with clips.
    applied.collections["clips"]["expose"]["grant"] = [READER, OUTSIDER]
    applied.write()
    applied.setup_apply()
    assert schema_usage(app, OUTSIDER, "vtopo")
    insert_vectors(pod2, "clips", [(f"c{i}", [i, 0, 0, 1], {}) for i in range(3)])

    reader = applied.reader("pod2")
    assert role_exists(pod2, reader)
    del applied.collections["clips"]
    applied.write()
    before = snapshots(applied.dbs)
    refused = applied.apply_auto(expect=1)
    assert "collection clips" in refused.stderr and "3 rows" in refused.stderr, refused.stderr
    assert "--allow-destroy" in refused.stderr
    assert count(pod2, "vecs.clips") == 3
    assert_unchanged(before, applied.dbs)

    applied.apply_auto("--allow-destroy")
    assert relkind(pod2, "vecs.clips") is None and relkind(pod2, "vtopo.clips") is None
    assert not role_exists(pod2, reader)  # nothing of pod2 is exposed any more
    assert relkind(app, "public.clips") is None and relkind(app, "vtopo.clips") is None
    assert server_options(app, "vtopo_pod2") is None and user_mapping_options(app, "vtopo_pod2") is None
    assert not schema_usage(app, OUTSIDER, "vtopo")
    # What the other collections need stays.
    assert schema_usage(app, READER, "vtopo") and can_select(app, READER, "public.articles")
    assert relkind(app, "vtopo.articles") == "f" and server_options(app, "vtopo_pod1") is not None
    applied.assert_converged()


def test_prevent_destroy_refuses_a_dimension_change_even_with_allow_destroy(make_topo):
    topo = make_topo({
        "clips": {"database": "pod2", "dimension": 4, "measure": "l2", "prevent_destroy": True,
                  "expose": {"view": "public.clips", "grant": [READER]}},
    })
    topo.setup_apply()
    pod2 = topo.db("pod2")
    insert_vectors(pod2, "clips", [("c1", [1, 2, 3, 4], {})])

    topo.collections["clips"]["dimension"] = 6
    topo.write()
    shown = topo.plan().stdout
    assert "-/+ collection clips" in shown and "dimension: 4 → 6" in shown, shown
    before = snapshots(topo.dbs)
    refused = topo.apply_auto("--allow-destroy", expect=1)
    assert "prevent_destroy" in refused.stderr and "clips" in refused.stderr, refused.stderr
    assert vector_dimension(pod2, "clips") == 4 and count(pod2, "vecs.clips") == 1
    assert_unchanged(before, topo.dbs)
