"""Render one object action to SQL statements through `templates/ddl/<kind>/<action>.sql.j2`."""

from __future__ import annotations

from typing import Any

from vtopo.catalog.model import CatalogObject, ObjectKind
from vtopo.kinds import kind_of

from .environment import STATEMENT_SEPARATOR, environment



def _context(obj: CatalogObject, old: CatalogObject | None, concurrently: bool, reveal: bool) -> dict[str, Any]:
    context: dict[str, Any] = {
        "name": obj.name,
        "spec": obj.spec_dict,
        "attrs": obj.attrs_dict,
        "secrets": obj.secrets_dict,
        "concurrently": concurrently,
        "reveal_secrets": reveal,
        "old": {"spec": old.spec_dict, "attrs": old.attrs_dict} if old is not None else None,
    }
    context.update(kind_of(obj.kind).template_context(obj, old))
    return context


def render_sql(
    obj: CatalogObject,
    action: str,
    *,
    old: CatalogObject | None = None,
    concurrently: bool = False,
    reveal: bool = False,
) -> list[str]:
    """Statements for `action` on `obj` (masked unless reveal)."""
    template = environment().get_template(f"ddl/{obj.kind.value}/{action}.sql.j2")
    text = template.render(_context(obj, old, concurrently, reveal))
    return [part.strip() for part in text.split(STATEMENT_SEPARATOR) if part.strip()]


def has_template(kind: ObjectKind, action: str) -> bool:
    from jinja2 import TemplateNotFound

    try:
        environment().get_template(f"ddl/{kind.value}/{action}.sql.j2")
    except TemplateNotFound:
        return False
    return True


def render_query(template: str, **context: Any) -> str:
    """`templates/queries/<template>`: a query with placeholders (%s / %(name)s) whose values travel as parameters."""
    return environment().get_template(f"queries/{template}").render(context).strip()
