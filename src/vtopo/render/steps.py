"""Render plan steps to their statements (masked for people, revealed for execution)."""

from __future__ import annotations

from vtopo.kinds import kind_of
from vtopo.plan.model import Part, Plan, Statement, StatementRole, Step

from .statements import render_sql


def _index_statements(
    sqls: list[str], *, concurrently: bool, index_name: str | None, build: bool, settings: dict[str, str] | None = None
) -> list[Statement]:
    """A concurrent index build runs outside a transaction and is checked for indisvalid; the
    build (the first statement) runs with the index's build settings."""
    statements = []
    for position, text in enumerate(sqls):
        is_build = build and position == 0
        statements.append(
            Statement(
                sql=text,
                transactional=not concurrently,
                role=StatementRole.index if is_build and concurrently else StatementRole.ddl,
                index_name=index_name if is_build else None,
                settings=tuple(sorted((settings or {}).items())) if is_build else (),
            )
        )
    return statements


def render_step(step: Step, *, reveal: bool = False) -> list[Statement]:
    change = step.change
    before, after = change.before, change.after
    is_index = kind_of(change.kind).is_index
    if step.part is Part.analyze:
        assert after is not None
        return [Statement(sql=s, transactional=False, role=StatementRole.analyze) for s in render_sql(after, "analyze")]
    if step.part is Part.online_replace:
        assert before is not None and after is not None
        new_name = after.attrs_dict["index_name"]
        build = render_sql(after, "create", concurrently=True, reveal=reveal)
        drop = render_sql(before, "delete", concurrently=True, reveal=reveal)
        return _index_statements(build, concurrently=True, index_name=new_name, build=True,
                                 settings=after.attrs_dict.get("build")) + _index_statements(
            drop, concurrently=True, index_name=None, build=False
        )
    if step.part is Part.drop:
        assert before is not None
        sqls = render_sql(before, "delete", concurrently=step.concurrently, reveal=reveal)
        if is_index:
            return _index_statements(sqls, concurrently=step.concurrently, index_name=None, build=False)
        return [Statement(sql=s) for s in sqls]
    assert after is not None
    action = "update" if step.part is Part.update else "create"
    sqls = render_sql(after, action, old=before, concurrently=step.concurrently, reveal=reveal)
    if is_index:
        return _index_statements(sqls, concurrently=step.concurrently, index_name=after.attrs_dict["index_name"], build=True,
                                 settings=after.attrs_dict.get("build"))
    return [Statement(sql=s) for s in sqls]


def render_plan(plan: Plan) -> Plan:
    """Fill every step's statements (masked): the pass after planning, before the plan is shown or saved."""
    for step in plan.steps:
        step.statements = render_step(step)
    return plan
