"""The Jinja environment: the only place SQL text is produced.

Every value a template prints must pass through a quoting filter: `ident`
(identifiers), `literal` (values), `keyword` (members of a fixed vocabulary),
`type_name` (column types of a fixed grammar) or `secret`. A plain string
reaching the output raises, so no value can be pasted into SQL by accident.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from markupsafe import Markup
from psycopg import sql

from vtopo.catalog.names import BUCKETS, GUARD_SQLSTATE, READER_SETTING
from vtopo.resources import templates_dir
from vtopo.spec.secrets import MASK, Sensitive


class Quoted(Markup):
    """SQL text that a quoting filter produced (Markup, so template macros that
    combine Quoted pieces count as quoted too; autoescape never fires on it)."""


class UnquotedValue(Exception):
    pass


# Words templates may print bare: index methods, operator classes, privileges, settings.
KEYWORDS = frozenset(
    {
        "hnsw", "ivfflat", "gin", "btree",
        "SELECT", "USAGE",
        "m", "ef_construction", "lists",
        *(f"{t}_{m}_ops" for t in ("vector", "halfvec") for m in ("cosine", "l2", "ip")),
        "jsonb_path_ops",
        "SET", "ADD", "DROP",
        "<=>", "<->", "<#>", "vector", "halfvec",
        "NEW", "OLD",  # a trigger's row
    }
)
_TYPE_NAME = re.compile(
    r"(character varying|text|integer|bigint|numeric|boolean|jsonb|timestamp with time zone|(vector|halfvec)\(\d{1,5}\))"
)
_SETTING_NAME = READER_SETTING


def _as_string(composable: sql.Composable) -> str:
    return composable.as_string(None)


def ident(*parts: str) -> Quoted:
    """One identifier, or a qualified name from several parts."""
    for part in parts:
        if not isinstance(part, str) or part == "":
            raise UnquotedValue(f"identifier part must be a non-empty string, got {part!r}")
    return Quoted(_as_string(sql.Identifier(*parts)))


def literal(value: Any) -> Quoted:
    if isinstance(value, Sensitive):
        raise UnquotedValue("secrets must use the `secret` filter")
    return Quoted(_as_string(sql.Literal(value)))


def keyword(value: Any) -> Quoted:
    text = value.value if hasattr(value, "value") else value
    if text not in KEYWORDS and not _SETTING_NAME.fullmatch(str(text)):
        raise UnquotedValue(f"{text!r} is not an allowed SQL keyword")
    return Quoted(str(text))


def type_name(value: str) -> Quoted:
    if not isinstance(value, str) or not _TYPE_NAME.fullmatch(value):
        raise UnquotedValue(f"{value!r} is not an allowed column type")
    return Quoted(value)


def integer(value: Any) -> Quoted:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnquotedValue(f"{value!r} is not an integer")
    return Quoted(str(value))


def int_array(values: Any) -> Quoted:
    """A list of integers as an `integer[]` constant: '{1,2,3}'::integer[]."""
    items = list(values)
    if any(isinstance(item, bool) or not isinstance(item, int) for item in items):
        raise UnquotedValue(f"{items!r} is not a list of integers")
    return Quoted("'{" + ",".join(str(item) for item in items) + "}'::integer[]")


def bucket_mask(values: Any) -> Quoted:
    """A set of buckets as a bit string constant, bit b set for bucket b: B'0110...'::bit(BUCKETS)
    (a trigger tests a row's bucket with get_bit, whatever the number of buckets in the set)."""
    items = set(values)
    if any(isinstance(item, bool) or not isinstance(item, int) or not 0 <= item < BUCKETS for item in items):
        raise UnquotedValue(f"{sorted(items)!r} is not a set of buckets 0..{BUCKETS - 1}")
    return Quoted("B'" + "".join("1" if bucket in items else "0" for bucket in range(BUCKETS)) + f"'::bit({BUCKETS})")


@jinja2.pass_context
def secret(context: jinja2.runtime.Context, value: Sensitive | None) -> Quoted:
    """The secret as a literal when executing; `'(sensitive)'` in SQL shown to people."""
    if value is None:
        raise UnquotedValue("a secret is missing: resolve the topology's references before rendering")
    if context.get("reveal_secrets"):
        return literal(value.reveal())
    return Quoted(_as_string(sql.Literal(MASK)))


def to_json(value: Any) -> str:
    """Compact JSON as a plain string: it must still pass through `literal`."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# Ends a statement; render_sql splits a template's output into statements on it.
STATEMENT_SEPARATOR = "\x1e"
END = Quoted(";" + STATEMENT_SEPARATOR)


def _require_quoted(value: Any) -> Any:
    if isinstance(value, Markup):  # filter output, or a macro built from filter outputs
        return value
    raise UnquotedValue(f"unquoted value {value!r} reached SQL; pass it through ident/literal/keyword")


def sql_concat(parts: Any) -> str:
    """`a ~ b`: SQL text only if every part is; one plain part makes the whole plain
    (Jinja's own markup_join would HTML-escape it into Markup and let it through)."""
    parts = list(parts)
    text = "".join(str(part) for part in parts)
    return Quoted(text) if all(isinstance(part, Markup) for part in parts) else text


def sql_join(values: Any, separator: str = "") -> str:
    """`items|join(sep)`: SQL text only if every item is (same reason as sql_concat)."""
    items = list(values)
    text = str(separator).join(str(item) for item in items)
    return Quoted(text) if all(isinstance(item, Markup) for item in items) else text


def _refuse_escape(value: Any) -> Any:
    raise UnquotedValue("HTML escaping (safe/escape) is not SQL quoting; use ident/literal/keyword")


class _SqlCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: Any, frame: Any) -> None:
        self.write("environment.sql_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _SqlEnvironment(jinja2.Environment):
    code_generator_class = _SqlCodeGenerator
    sql_concat = staticmethod(sql_concat)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = _SqlEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        finalize=_require_quoted,
        autoescape=True,  # plain strings are refused by finalize before escaping matters
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(
        ident=ident, literal=literal, keyword=keyword, type_name=type_name, integer=integer, int_array=int_array, bucket_mask=bucket_mask, secret=secret,
        to_json=to_json,
        join=sql_join, safe=_refuse_escape, e=_refuse_escape, escape=_refuse_escape, forceescape=_refuse_escape,
    )
    env.globals.update(ident=ident, END=END, BUCKETS=BUCKETS, GUARD_SQLSTATE=GUARD_SQLSTATE)
    return env
