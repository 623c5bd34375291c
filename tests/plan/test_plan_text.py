"""Plan output as people read it: labels that match the SQL, readable differences, plural
forms, indented SQL, and tables vtopo leaves alone listed once."""

from __future__ import annotations

import re

from plan_helpers import HUB, K, SHARD_A, catalog_of, make_plan, steps_for, topology
from rich.console import Console

from vtopo import kinds
from vtopo.catalog.changes import HazardKind
from vtopo.catalog.model import Catalog, key_of
from vtopo.plan.document import plan_document, plan_from_document
from vtopo.report.markdown import render_markdown
from vtopo.report.text import counted, render_text


def text_of(plan, show_sql: bool = True) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(render_text(plan, show_sql=show_sql))
    return console.export_text()


def test_indexes_of_a_recreated_table_are_labelled_as_built_with_it_not_concurrently():
    plan = make_plan(topology({"collections.papers.dimension": 7}), catalog_of(topology()))
    for kind, name in ((K.vector_index, "papers"), (K.metadata_index, "papers.venue")):
        key = key_of(SHARD_A, kind, name)
        [change] = [c for c in plan.changes if c.subject.key == key]
        [hazard] = [h for h in change.hazards if h.kind is HazardKind.rebuilds_index]
        sql = " ".join(s.sql for step in steps_for(plan, key) for s in step.statements)
        assert "CONCURRENTLY" not in sql and "CONCURRENTLY" not in hazard.message, hazard.message
        assert "re-created table" in hazard.message


def test_an_index_replaced_on_its_own_is_labelled_online_and_its_sql_is_concurrent():
    plan = make_plan(topology({"collections.papers.index.m": 12}), catalog_of(topology()))
    key = key_of(SHARD_A, K.vector_index, "papers")
    [change] = [c for c in plan.changes if c.subject.key == key]
    assert "CONCURRENTLY" in change.hazards[0].message
    assert any("CONCURRENTLY" in s.sql for step in steps_for(plan, key) for s in step.statements)


def test_column_differences_read_as_columns_not_python_lists():
    plan = make_plan(topology({"collections.papers.metadata.year": {"type": "integer"}}), catalog_of(topology()))
    [change] = [c for c in plan.changes if c.subject.key == key_of(HUB, K.foreign_table, "papers")]
    assert change.reason == "columns: + year integer", change.reason
    shown = text_of(plan, show_sql=False)
    assert "[[" not in shown and "['" not in shown and "+ year integer" in shown


def test_a_changed_column_type_shows_what_went_and_what_came():
    plan = make_plan(topology({"collections.papers.dimension": 5}), catalog_of(topology()))
    [change] = [c for c in plan.changes if c.subject.key == key_of(HUB, K.foreign_table, "papers")]
    assert change.reason == "columns: + embedding vector(5); - embedding vector(3)", change.reason


def test_counts_take_the_right_number():
    assert counted(1, "statement") == "1 statement"
    assert counted(2, "statement") == "2 statements"
    assert counted(0, "change") == "0 changes"
    plan = make_plan(topology({"collections.papers.search": {"ef_search": 99}}), catalog_of(topology()))
    markdown = render_markdown(plan)
    assert "SQL for shard_a (1 statement)" in markdown, markdown
    assert not re.search(r"\b1 statements\b", markdown)


def test_a_one_blocking_change_is_said_in_the_singular():
    plan = make_plan(topology({"collections.images": None}), catalog_of(topology()), row_counts={("shard_b", "images"): 3})
    shown = text_of(plan)
    assert "1 change destroys data: apply refuses it without --allow-destroy." in shown, shown


def test_multi_line_sql_is_indented_under_its_change():
    plan = make_plan(topology(), Catalog())
    lines = text_of(plan).splitlines()
    start = next(i for i, line in enumerate(lines) if 'CREATE TABLE "vecs"."papers"' in line)
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = lines[start + 1:start + 6]
    assert body[0].strip().startswith("id character varying")
    assert all(len(line) - len(line.lstrip()) >= indent for line in body), body


def test_tables_vtopo_leaves_alone_are_listed_once_in_text_json_and_markdown():
    live = catalog_of(topology())
    live.add(kinds.collection.new(SHARD_A, "stray", dimension=3, vector_type="vector").unmanaged())
    plan = make_plan(topology(), live)
    assert plan.is_empty and plan.not_managed == [(SHARD_A, "collection", "stray")]
    assert text_of(plan).count("collection stray in shard_a") == 1
    assert render_markdown(plan).count("collection stray in shard_a") == 1
    document = plan_document(plan)
    assert document["not_managed"] == [{"database": SHARD_A, "kind": "collection", "name": "stray"}]
    assert plan_from_document(document).not_managed == plan.not_managed
