"""Golden-file tests: the SQL every template renders for a representative object.

Regenerate with `VTOPO_UPDATE_GOLDEN=1 pytest tests/render` and review the diff.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pytest
import render_objects as r
from golden_files import GOLDEN_DIR, assert_golden, updating_golden

from vtopo import kinds
from vtopo.catalog.model import CatalogObject, ObjectKind
from vtopo.plan.model import Part, Phase, Statement, Step
from vtopo.catalog.changes import Action, Change
from vtopo.render.statements import has_template, render_sql
from vtopo.render.steps import render_step

K = ObjectKind


@dataclass(frozen=True)
class Case:
    name: str
    render: Callable[[], str]
    template: str | None = None  # "<kind>/<action>" when the case renders one template


def sql_of(obj: CatalogObject, action: str, **kwargs) -> Callable[[], str]:
    return lambda: "".join(f"{statement}\n" for statement in render_sql(obj, action, **kwargs))


def step_of(part: Part, action: Action, before: CatalogObject | None, after: CatalogObject | None, concurrently: bool) -> Callable[[], str]:
    """A rendered step, each statement preceded by how apply runs it."""

    def render() -> str:
        step = Step(database=(after or before).database, phase=Phase.secondaries, change=Change(action, before, after), part=part, concurrently=concurrently)
        return "".join(f"-- {describe(statement)}\n{statement.sql}\n" for statement in render_step(step))

    return render


def describe(statement: Statement) -> str:
    flags = f"transactional={str(statement.transactional).lower()} role={statement.role}"
    return flags + (f" index_name={statement.index_name}" if statement.index_name else "")


def object_cases(variant: str, obj: CatalogObject, *actions: str) -> list[Case]:
    return [Case(f"{obj.kind.value}-{variant}-{action}", sql_of(obj, action), f"{obj.kind.value}/{action}") for action in actions]


ALTERED_SERVER = kinds.foreign_server.new(
    r.CORE, r.SERVER, remote_database=r.REEF,
    options={**{k: v for k, v in r.foreign_server.spec_dict["options"].items() if k != "use_remote_estimate"},
             "fetch_size": "1000", "sslmode": "require"},
)
MOVED_SERVER = kinds.foreign_server.new(r.CORE, r.SERVER, remote_database="reef_two", options=r.foreign_server.spec_dict["options"])
MAPPING_WITHOUT_PASSWORD = kinds.user_mapping.new(r.CORE, r.SERVER, user=None, password=None)
O_BRIEN_INDEX = r.field_indexes["o_brien"]
NEW_HNSW = r.hnsw_index.with_spec(params={"m": 32, "ef_construction": 128}).with_attrs(index_name="ix_halfvec_cosine_ops_hnsw_m32_efc128_5e1f0aa")

CASES: list[Case] = [
    *object_cases("vector", r.extension, "create"),
    *object_cases("vecs", r.schema, "create"),
    *object_cases("reader", r.reader_role, "create", "update", "delete"),
    *object_cases("grantee", r.grantee_role, "create", "delete"),
    *object_cases("ef_search", r.role_setting, "create", "delete"),
    Case("role_setting-ef_search-update", sql_of(r.role_setting.with_spec(value="120"), "update", old=r.role_setting), "role_setting/update"),
    Case("role_setting-ef_search-delete-global", sql_of(r.global_role_setting, "delete"), "role_setting/delete"),
    *object_cases("halfvec", r.collection, "create", "delete"),
    *object_cases("hnsw", r.hnsw_index, "create", "delete"),
    *object_cases("ivfflat", r.ivfflat_index, "create", "delete"),
    Case("vector_index-hnsw-create-concurrently", sql_of(r.hnsw_index, "create", concurrently=True)),
    Case("vector_index-hnsw-delete-concurrently", sql_of(r.hnsw_index, "delete", concurrently=True)),
    *object_cases("gin", r.gin_index, "create", "delete"),
    *(case for field, index in r.field_indexes.items() for case in object_cases(field, index, "create")),
    *object_cases("text", r.field_indexes["text"], "delete"),
    *object_cases("all_types", r.exposure_view, "create", "delete"),
    *object_cases("reef", r.foreign_server, "create", "delete"),
    Case("foreign_server-reef-update-set-add-drop", sql_of(ALTERED_SERVER, "update", old=r.foreign_server), "foreign_server/update"),
    Case("foreign_server-reef-update-remote-database", sql_of(MOVED_SERVER, "update", old=r.foreign_server), "foreign_server/update"),
    *object_cases("public", r.user_mapping, "create", "delete"),
    Case("user_mapping-public-update", sql_of(r.user_mapping, "update", old=r.user_mapping), "user_mapping/update"),
    Case("user_mapping-public-update-from-empty", sql_of(r.user_mapping, "update", old=MAPPING_WITHOUT_PASSWORD), "user_mapping/update"),
    *object_cases("corals", r.foreign_table, "create", "delete", "analyze"),
    *object_cases("remote", r.remote_exposed_view, "create", "delete"),
    *object_cases("remote", r.remote_search_function, "create", "delete"),
    *object_cases("local", r.local_search_function, "create", "delete"),
    *object_cases("local", r.local_exposed_view, "create", "delete"),
    *object_cases("sharded", r.sharded_exposed_view, "create", "update"),
    *object_cases("sharded", r.sharded_search_function, "create", "update"),
    *object_cases("moving", kinds.shard_guard.new(r.REEF, "corals", writable=[0, 1, 5, 200, 255], frozen=[2, 3]),
                  "create", "update", "delete"),
    *object_cases("schema", r.schema_grant, "create", "delete"),
    *object_cases("table", r.table_grant, "create", "delete"),
    Case("step-vector_index-online-replace", step_of(Part.online_replace, Action.replace, r.hnsw_index, NEW_HNSW, concurrently=True)),
    Case("step-vector_index-create-concurrently", step_of(Part.create, Action.create, None, r.hnsw_index, concurrently=True)),
    Case("step-vector_index-create-in-transaction", step_of(Part.create, Action.create, None, r.hnsw_index, concurrently=False)),
    Case("step-metadata_index-online-replace", step_of(Part.online_replace, Action.replace, O_BRIEN_INDEX,
                                                       O_BRIEN_INDEX.with_attrs(index_name="vtopo_md_corals_o_brien_1"), concurrently=True)),
    Case("step-metadata_index-drop-concurrently", step_of(Part.drop, Action.delete, O_BRIEN_INDEX, None, concurrently=True)),
    Case("step-foreign_table-analyze", step_of(Part.analyze, Action.create, None, r.foreign_table, concurrently=False)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_rendered_sql_matches_golden_file(case):
    assert_golden(case.name, case.render())


def test_case_names_are_unique():
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))


@pytest.mark.skipif(updating_golden(), reason="golden files are being regenerated")
def test_every_golden_file_belongs_to_a_case():
    stale = {path.stem for path in GOLDEN_DIR.glob("*.sql")} - {case.name for case in CASES}
    assert not stale, f"golden files without a case (delete them): {sorted(stale)}"


@pytest.mark.parametrize("kind", list(ObjectKind), ids=lambda kind: kind.value)
def test_every_template_of_every_kind_has_a_golden_case(kind):
    covered = {case.template for case in CASES}
    for action in ("create", "update", "delete", "analyze"):
        if has_template(kind, action):
            assert f"{kind.value}/{action}" in covered


def test_golden_sql_shows_no_secret():
    """Golden files are rendered masked: the reader's password never appears."""
    for case in CASES:
        assert r.READER_PASSWORD not in case.render(), case.name
