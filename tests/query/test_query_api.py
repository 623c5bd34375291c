"""The Python API: vtopo.connect(...).collection(...) with Vecs's arguments and results.

upsert / fetch / delete / query behave as Vecs's Collection does on the same
collection (checked against the real client where it matters), plus the
routing vtopo adds: through the primary's view for reads, never for writes.
"""

from __future__ import annotations

import json
import warnings
from array import array

import numpy as np
import pytest
import vecs
import yaml
from query_support import vecs_url

import vtopo
from vtopo.errors import DatabaseError, VtopoError
from vtopo.query.errors import FilterError, QueryError

PREFIX = "QX"
COLLECTIONS = {
    "books": {
        "database": "pod2", "dimension": 3, "measure": "cosine",
        "metadata": {"genre": {"type": "text", "index": True}},
        "expose": {"view": "public.books"},
    },
    "tiles": {"database": "pod1", "dimension": 4, "type": "halfvec", "measure": "l2", "index": {"method": "ivfflat", "lists": 2}},
    "shelf": {"database": "app", "dimension": 2, "measure": "inner_product", "index": {"method": "none"},
              "expose": {"view": "public.shelf"}},
}
BOOKS = [(f"b{i}", [1.0, i / 10, (i % 3) - 1.0], {"genre": ["sf", "crime", "poetry"][i % 3], "year": 1990 + i})
         for i in range(30)]


@pytest.fixture(scope="module")
def topo(applied):
    client = vtopo.connect(applied.path)
    client.collection("books").upsert(BOOKS)
    yield client
    client.close()


@pytest.fixture(scope="module")
def vecs_books(applied):
    client = vecs.create_client(vecs_url(applied.dbs.secondary2.dsn))
    yield client.get_or_create_collection("books", dimension=3)
    client.disconnect()


def count(db, table):
    with db.connect() as conn:
        return conn.execute(f"SELECT count(*) FROM vecs.{table}").fetchone()[0]


@pytest.mark.filterwarnings("ignore:.*(covering index|reads every row)")  # the l2 search below, both clients
def test_query_results_have_vecs_shapes(topo, vecs_books):
    books = topo.collection("books")
    q = [1, 0.5, 0]
    assert books.query(q, limit=4) == vecs_books.query(data=q, limit=4)
    mine = books.query(q, limit=4, include_value=True, include_metadata=True, filters={"genre": {"$eq": "sf"}})
    theirs = vecs_books.query(data=q, limit=4, include_value=True, include_metadata=True, filters={"genre": {"$eq": "sf"}})
    assert [(r[0], r[2]) for r in mine] == [(r[0], r[2]) for r in theirs]
    assert [r[1] for r in mine] == pytest.approx([r[1] for r in theirs])
    assert all(len(r) == 2 for r in books.query(q, limit=3, include_metadata=True))
    assert books.query(q, limit=3, measure="l2_distance") == vecs_books.query(
        data=q, limit=3, measure=vecs.IndexMeasure.l2_distance
    )


def test_fetch_returns_records_in_the_order_asked(topo, vecs_books):
    got = topo.collection("books").fetch(["b3", "missing", "b1", "b3"])
    assert [r[0] for r in got] == ["b3", "b1"]
    theirs = {r[0]: r for r in vecs_books.fetch(["b3", "b1"])}
    for row_id, vector, metadata in got:
        assert vector == pytest.approx(list(theirs[row_id][1]))
        assert metadata == theirs[row_id][2]
    assert topo.collection("books", via="primary").fetch(["b1"]) == [got[1]]


def test_upsert_replaces_vector_and_metadata_and_the_last_record_wins(topo, vecs_books):
    books = topo.collection("books")
    books.upsert([("u1", [1, 2, 3], {"a": 1, "b": 2}), ("u2", [3, 2, 1], None)])
    books.upsert([("u1", [0, 0, 1], {"a": 9}), ("u1", [0, 1, 0], {"c": 3})])
    assert books.fetch(["u1", "u2"]) == [("u1", [0.0, 1.0, 0.0], {"c": 3}), ("u2", [3.0, 2.0, 1.0], {})]
    assert vecs_books["u1"][2] == {"c": 3}  # Vecs reads what vtopo wrote
    vecs_books.upsert([("u3", [1, 1, 1], {"from": "vecs"})])
    assert books.fetch(["u3"])[0][2] == {"from": "vecs"}
    assert sorted(books.delete(ids=["u1", "u2", "u3", "nope"])) == ["u1", "u2", "u3"]


@pytest.mark.parametrize(("record", "message"), [
    (("x", [1, 2], {}), "record 1: the vector has 2 values; the collection holds vector(3)"),
    (("x", [1, "two", 3], {}), 'record 1: the vector holds a non-numeric value: "two"'),
    (("x", [1, float("nan"), 3], {}), "record 1: the vector holds NaN or infinity"),
    (("x", [1, 2, 3], ["not", "a", "dict"]), "record 1: metadata must be a JSON object, got a list"),
    ((7.5, [1, 2, 3], {}), "record 1: the id must be a string, got a number"),
    ("x", "record 1: each record must be a tuple (id, vector, metadata)"),
])
def test_a_bad_record_writes_nothing(topo, applied, record, message):
    before = count(applied.dbs.secondary2, "books")
    with pytest.raises(QueryError) as raised:
        topo.collection("books").upsert([("fine", [1, 1, 1], {}), record, ("fine2", [1, 1, 1], {})])
    assert message in raised.value.message and "nothing was written" in raised.value.message
    assert count(applied.dbs.secondary2, "books") == before


def test_upsert_takes_numpy_arrays_and_any_sequence_of_numbers(topo):
    books = topo.collection("books")
    books.upsert([
        ("n1", np.array([1, 0, 0], dtype=np.float32), {"k": 1}),
        ("n2", np.array([0, 2, 0], dtype=np.int64)),
        ("n3", (0.0, 0.0, 3.0), None),
        ("n4", range(1, 4), {}),
        ("n5", array("d", [1, 2, 2]), {}),
    ])
    assert books.fetch(["n1", "n2", "n3", "n4", "n5"]) == [
        ("n1", [1.0, 0.0, 0.0], {"k": 1}), ("n2", [0.0, 2.0, 0.0], {}), ("n3", [0.0, 0.0, 3.0], {}),
        ("n4", [1.0, 2.0, 3.0], {}), ("n5", [1.0, 2.0, 2.0], {})]
    books.delete(ids=["n1", "n2", "n3", "n4", "n5"])


def test_upsert_takes_ids_with_a_2d_array_in_one_call(topo, applied):
    books = topo.collection("books")
    matrix = np.arange(12, dtype=np.float64).reshape(4, 3) + 1
    books.upsert(ids=["m0", "m1", "m2", "m3"], vectors=matrix, metadata=[{"i": i} for i in range(4)])
    assert books.fetch(["m3", "m0"]) == [("m3", [10.0, 11.0, 12.0], {"i": 3}), ("m0", [1.0, 2.0, 3.0], {"i": 0})]
    books.upsert(ids=["m0", "m1"], vectors=[[3, 2, 1], (1, 2, 3)])  # any sequence of vectors; no metadata: {}
    assert books.fetch(["m0", "m1"]) == [("m0", [3.0, 2.0, 1.0], {}), ("m1", [1.0, 2.0, 3.0], {})]
    before = count(applied.dbs.secondary2, "books")
    bad = matrix.copy()
    bad[2, 1] = np.inf
    for call, message in [
        (lambda: books.upsert(ids=["x0", "x1", "x2", "x3"], vectors=bad), "record 2: the vector holds NaN or infinity"),
        (lambda: books.upsert(ids=["x0"], vectors=np.zeros((1, 4))), "the vectors have 4 values each; the collection holds vector(3)"),
        (lambda: books.upsert(ids=["x0", "x1"], vectors=matrix), "ids, vectors and metadata must have the same length (got 2, 4)"),
        (lambda: books.upsert(ids=["x0", ""], vectors=matrix[:2]), "record 1: the id is empty"),
        (lambda: books.upsert(ids=["x0"], vectors=np.array([[True, False, True]])), "record 0: the vector holds true/false"),
        (lambda: books.upsert([("x", [1, 2, 3])], ids=["x"], vectors=matrix[:1]), "upsert takes records, or ids= with vectors="),
        (lambda: books.upsert(ids=["x"]), "upsert with ids= needs vectors="),
    ]:
        with pytest.raises(QueryError) as raised:
            call()
        assert message in raised.value.message
    assert count(applied.dbs.secondary2, "books") == before
    books.delete(ids=["m0", "m1", "m2", "m3"])


def test_collection_load_reads_a_file(topo, tmp_path):
    path = tmp_path / "shelf.jsonl"
    path.write_text("".join(json.dumps({"id": f"f{i}", "vector": [1, i]}) + "\n" for i in range(5)))
    tiles_path = tmp_path / "tiles.jsonl"
    tiles_path.write_text(json.dumps({"id": "lt", "vector": [1, 2, 3, 4], "metadata": {"k": "v"}}) + "\n")
    report = topo.collection("tiles").load(tiles_path)
    assert (report.rows, report.collection) == (1, "tiles")
    assert topo.collection("tiles").fetch(["lt"]) == [("lt", [1.0, 2.0, 3.0, 4.0], {"k": "v"})]
    with pytest.raises(QueryError, match="load goes to the database that holds it"):
        topo.collection("shelf", via="primary").load(path)


def test_delete_by_filter_deletes_what_the_filter_matches(topo, vecs_books):
    books = topo.collection("books")
    books.upsert([(f"d{i}", [1, i, 0], {"tmp": i}) for i in range(6)])
    matching = set(vecs_books.query(data=[1, 0, 0], limit=1000, filters={"tmp": {"$gte": 3}}, ef_search=1000))
    assert matching == {"d3", "d4", "d5"}
    assert set(books.delete(filters={"tmp": {"$gte": 3}})) == matching
    assert books.delete(filters={}) == []  # as in Vecs: an empty filter deletes nothing
    assert books.delete(ids=[]) == []
    assert sorted(books.delete(ids=["d0", "d1", "d2"])) == ["d0", "d1", "d2"]
    with pytest.raises(QueryError, match="ids or filters, not both"):
        books.delete(ids=["b1"], filters={"tmp": {"$eq": 1}})
    with pytest.raises(QueryError, match="needs ids or filters"):
        books.delete()
    with pytest.raises(QueryError, match="not one string"):
        books.delete(ids="b1")
    with pytest.raises(FilterError):
        books.delete(filters={"tmp": 1})


def test_halfvec_round_trip(topo):
    tiles = topo.collection("tiles")
    tiles.upsert([("t1", [0.5, 0.25, -1, 2], {"k": 1}), ("t2", [1, 1, 1, 1], {})])
    assert tiles.fetch(["t1"]) == [("t1", [0.5, 0.25, -1.0, 2.0], {"k": 1})]
    assert tiles.query([0.5, 0.25, -1, 2], limit=1, include_value=True, probes=2) == [("t1", 0.0)]
    with pytest.raises(QueryError, match="out of range for halfvec"):
        tiles.upsert([("t3", [70000, 0, 0, 0], {})])


def test_reads_through_the_primary_and_writes_only_direct(topo):
    via_primary = topo.collection("books", via="primary")
    assert via_primary.query([1, 0.5, 0], limit=5, filters={"genre": {"$eq": "crime"}}) == \
        topo.collection("books").query([1, 0.5, 0], limit=5, filters={"genre": {"$eq": "crime"}})
    with pytest.raises(QueryError, match="upsert goes to the database that holds it"):
        via_primary.upsert([("z", [1, 2, 3], {})])
    with pytest.raises(QueryError, match="delete goes to the database that holds it"):
        via_primary.delete(ids=["b1"])
    with pytest.raises(QueryError, match="search settings are the reader role's"):
        via_primary.query([1, 0, 0], ef_search=80)
    shelf = topo.collection("shelf")
    shelf.upsert([("s1", [1, 0], {}), ("s2", [0, 1], {})])
    assert topo.collection("shelf", via="primary").query([1, 0], limit=2, include_value=True) == [("s1", -1.0), ("s2", 0.0)]
    with pytest.raises(QueryError, match="'tiles' is not exposed on the primary"):
        topo.collection("tiles", via="primary")


@pytest.mark.parametrize(("call", "message"), [
    (lambda c: c.query([1, 0, 0], limit=0), "limit must be an integer from 1 to 1000"),
    (lambda c: c.query([1, 0, 0], limit=1001), "limit must be an integer from 1 to 1000"),
    (lambda c: c.query([1, 0, 0], probes=0), "probes must be an integer from 1"),
    (lambda c: c.query([1, 0, 0], measure="l1_distance"), "unknown measure 'l1_distance'"),
    (lambda c: c.query([1, 0]), "query vector for collection 'books': the vector has 2 values"),
    (lambda c: c.query("1,0,0"), "the vector must be a list of numbers, got a string"),
    (lambda c: c.query([1, 0, 0], filters={"genre": "sf"}), 'give an operator: {"genre": {"$eq": "sf"}}'),
    (lambda c: c.fetch("b1"), "ids must be a list of strings"),
])
def test_bad_arguments_are_clear_errors(topo, call, message):
    with pytest.raises(VtopoError) as raised:
        call(topo.collection("books"))
    assert message in raised.value.message


def test_a_search_for_another_measure_warns_like_vecs(topo):
    with pytest.warns(UserWarning, match="indexed for cosine; a l2 search reads every row"):
        topo.collection("books").query([1, 0, 0], measure="l2")


def test_unknown_collection_suggests_the_closest_name(topo):
    with pytest.raises(QueryError) as raised:
        topo.collection("book")
    assert "unknown collection 'book'" in raised.value.message and raised.value.hint == "did you mean 'books'?"


def test_a_collection_not_applied_yet_is_named_without_secrets(applied, tmp_path):
    data = yaml.safe_load(applied.path.read_text())
    data["collections"]["ghost"] = {"database": "pod1", "dimension": 3}
    other = tmp_path / "topology.yaml"
    other.write_text(yaml.safe_dump(data))
    with vtopo.connect(other) as client:
        with pytest.raises(DatabaseError) as raised:
            client.collection("ghost").query([1, 0, 0])
    error = raised.value
    assert error.message == "database 'pod1': collection 'ghost' does not exist (no table vecs.ghost)"
    assert "vtopo plan" in error.hint
    assert applied.dbs.secondary1.password not in error.message + error.hint


def test_vtopo_connect_is_lazy_and_honours_vtopo_file(applied, monkeypatch):
    monkeypatch.setenv("VTOPO_FILE", str(applied.path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with vtopo.connect() as client:
            assert repr(client.collection("books")) == 'vtopo.Collection(name="books", dimension=3, via="direct")'
