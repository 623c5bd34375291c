"""Hostile topology files: random names (SQL keywords, unicode, SQL and template metacharacters,
names at and past PostgreSQL's 63-byte limit), huge and odd numbers, deep nesting, alias bombs.

Each file is either rejected by validation, every problem one `FILE:LINE: key: message` line,
or accepted; an accepted file renders offline (SQL, plan text and Markdown, graphs) without
error, and applied to real databases it converges (the re-plan is empty) and the catalogs hold
exactly what the plan said: nothing more, nothing less, nothing else touched.

Hypothesis is derandomized (same examples everywhere, see conftest.py).
"""

from __future__ import annotations

import io
import json
import re
import string
from typing import Any

import pytest
import yaml
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from rich.console import Console

from harness import environment, fresh_databases, write_topology
from integration.helpers import rows
from vtopo.desired.build import build_desired
from vtopo.spec.resolve import FdwTarget, reader_role
from vtopo.catalog.model import Catalog
from vtopo.diff.engine import diff_catalogs
from vtopo.errors import SpecError
from vtopo.graph import GraphFormat, render_graph, topology_graph
from vtopo.operations import apply_topology, database_order
from vtopo.plan.build import build_plan
from vtopo.render.steps import render_plan
from vtopo.render.steps import render_step
from vtopo.report.markdown import COMMENT_MARKER, render_markdown
from vtopo.report.text import render_text
from vtopo.spec.loader import parse_topology
from vtopo.spec.secrets import Sensitive

PROFILE = settings.get_profile("vtopo-hardening")

# --- building blocks -----------------------------------------------------------------------------

SQL_WORDS = ["select", "from", "table", "user", "order", "group", "where", "all", "default", "grant", "limit", "check",
             "current_user", "session_user", "public", "none", "vtopo", "vecs", "information_schema", "pg_x", "_x",
             "id", "vec", "metadata", "embedding", "apply_journal", "_apply_journal", "postgres"]
HOSTILE = ['x"; drop table t; --', "a'b", "$$", "\\", "naïve", "名前", "🙂", "Upper", "with space", "dot.ted",
           "semi;colon", "", " ", "\n", "\t", "%s", "%(x)s", "{{ 7*7 }}", "{% raw %}", "${env:HOME}", "[bold]x[/]",
           "<!-- x -->", "-->", "a\x00b", "\u202eevil", "x" * 63, "x" * 64, "é" * 32, "a-b", "1abc", "ab\u200bc"]
PLAIN = st.from_regex(r"[a-z_][a-z0-9_]{0,14}", fullmatch=True)
NAME = st.one_of(PLAIN, st.sampled_from(SQL_WORDS), st.sampled_from(HOSTILE), st.text(max_size=10))
NUMBER = st.one_of(
    st.integers(-5, 20000),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30, 10**400]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.sampled_from(["12", "1e3", "0x10", "", "∞"]),
    st.none(),
)
JUNK = st.recursive(
    st.none() | st.booleans() | NUMBER | NAME,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NAME, children, max_size=3),
    max_leaves=12,
)


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


LEGAL = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True),
    st.sampled_from(["select", "from", "table", "user", "order", "group", "limit", "check", "current_user", "all", "default"]),
    st.integers(40, 63).map(lambda n: ("z" + "".join(string.ascii_lowercase[i % 26] for i in range(n)))[:n]),
)
ROLE = LEGAL.filter(lambda name: name not in ("public", "none") and not name.startswith(("pg_", "vtopo")))
FIELD = LEGAL.filter(lambda name: name not in ("id", "embedding", "metadata", "vec"))
VIEW_SCHEMA = st.sampled_from(["public", "public", "select", "order", "api", "z" * 63])


@st.composite
def legal_topologies(draw) -> dict[str, Any]:
    keys = draw(st.lists(LEGAL.filter(lambda k: not k.startswith("vtopo")), min_size=3, max_size=3, unique=True))
    names = draw(st.lists(LEGAL, min_size=1, max_size=3, unique=True))
    views = draw(st.lists(st.tuples(VIEW_SCHEMA, LEGAL).map(".".join), min_size=len(names), max_size=len(names), unique=True))
    collections = {}
    for name, view in zip(names, views):
        kind = draw(st.sampled_from(["vector", "halfvec"]))
        method = draw(st.sampled_from(["hnsw", "ivfflat", "none"]))
        measure = draw(st.sampled_from(["cosine", "l2", "inner_product"]))
        smallest = 2 if method == "ivfflat" and measure != "l2" else 1  # pgvector: IVFFlat normalises
        dimension = draw(st.sampled_from([smallest, 3, 8, 2000])) if method != "none" else draw(st.sampled_from([1, 5, 16000]))
        spec: dict[str, Any] = {"database": draw(st.sampled_from(keys)), "dimension": dimension, "type": kind, "measure": measure}
        if method == "hnsw":
            m = draw(st.integers(2, 100))
            spec["index"] = {"method": "hnsw", "m": m, "ef_construction": draw(st.integers(max(4, 2 * m), 1000))}
        elif method == "ivfflat":
            # The most lists with the widest vectors need more maintenance_work_mem than a default
            # server's 64MB (lists x dimension centers; pgvector refuses): names are under test here.
            spec["index"] = {"method": "ivfflat", "lists": draw(st.sampled_from([1, 7, 32768 if dimension < 2000 else 4096]))}
        else:
            spec["index"] = {"method": "none"}
        fields = draw(st.dictionaries(FIELD, st.sampled_from(["text", "integer", "bigint", "numeric", "boolean", "timestamptz"]), max_size=3))
        spec["metadata"] = {f: {"type": t, "index": draw(st.booleans()) and t != "timestamptz"} for f, t in fields.items()}
        if draw(st.booleans()):
            spec["expose"] = {"view": view, "grant": draw(st.lists(ROLE, max_size=2, unique=True))}
        if draw(st.booleans()):
            spec["gin_index"] = False
        collections[name] = spec
    return {"keys": keys, "collections": collections, "name": draw(st.sampled_from(["x'); drop table t; -- [bold]", "名前 <!-- -->", None]))}


def _slots(value: Any, found: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key) of a document, to pick mutation targets from."""
    if isinstance(value, dict):
        for key in list(value):
            found.append((value, key))
            _slots(value[key], found)
    elif isinstance(value, list):
        for index in range(len(value)):
            found.append((value, index))
            _slots(value[index], found)
    return found


@st.composite
def documents(draw) -> dict[str, Any]:
    """A valid topology (see legal_topologies) with 0-4 hostile mutations: a key renamed, a value
    replaced (names, numbers, junk structures), a key added, a section nested hundreds deep."""
    drawn = draw(legal_topologies())
    document: dict[str, Any] = {"version": 1, "databases": {}, "collections": drawn["collections"]}
    if drawn["name"]:
        document["name"] = drawn["name"]
    for position, key in enumerate(drawn["keys"]):
        entry: dict[str, Any] = {"dsn": f"${{env:DSN_{position}}}"}
        if position == 0:
            entry["primary"] = True
        else:
            entry["fdw"] = {"password": f"${{env:PW_{position}}}"}
        document["databases"][key] = entry
    for _ in range(draw(st.integers(0, 4))):
        slots = _slots(document, [])
        container, key = draw(st.sampled_from(slots))
        mutation = draw(st.sampled_from(["value", "value", "rename", "add", "nest"]))
        if mutation == "value":
            container[key] = draw(st.one_of(NAME, NUMBER, JUNK, st.sampled_from(["${env:}", "${file:}", "${x:y}", "${env:A", "literal-pw"])))
        elif mutation == "rename" and isinstance(container, dict):
            container[draw(NAME)] = container.pop(key)
        elif mutation == "add" and isinstance(container, dict):
            container[draw(NAME)] = draw(JUNK)
        elif mutation == "nest":
            container[key] = nested(draw(st.integers(1, 300)))
    return document


def as_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=10_000)


PROBLEM_LINE = re.compile(r"topology\.yaml:\d+: \S.*: \S.*")


def assert_clear_rejection(error: SpecError) -> None:
    assert error.problems, "a rejection without a problem"
    for problem in error.problems:
        assert PROBLEM_LINE.fullmatch(problem), f"not a FILE:LINE: key: message line: {problem!r}"
        assert problem.isprintable(), f"unprintable characters in {problem!r}"
        assert "Traceback" not in problem and "pydantic" not in problem.lower() and "errors.pydantic.dev" not in problem


IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


def render_offline(topology) -> None:
    """Everything a topology can be turned into without a database: SQL, plan text and
    Markdown, graphs. Nothing may raise, and hostile names must not escape their place."""
    for name in [*topology.databases, *topology.collections]:
        assert IDENTIFIER.fullmatch(name) and len(name.encode()) <= 63, name
    targets = {db: FdwTarget(host="h", port="5432", dbname="d", user=reader_role(topology, db), password=Sensitive("pw"))
               for db in topology.databases if db != topology.primary_name}
    desired = build_desired(topology, targets)
    plan = render_plan(build_plan(
        topology_name=topology.name, primary=topology.primary_name, databases=database_order(topology),
        changes=diff_catalogs(desired, Catalog()), live=Catalog(), row_counts={}, prevent_destroy=set(),
    ))
    for step in plan.steps:
        for statement in render_step(step, reveal=False):
            assert "\x00" not in statement.sql and "{{" not in statement.sql, statement.sql
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(render_text(plan))
    markdown = render_markdown(plan).splitlines()
    assert markdown[0] == COMMENT_MARKER and markdown[1].startswith("<!-- vtopo-plan-id: ") and markdown[1].endswith(" -->")
    assert markdown[1].count("-->") == 1 and markdown[2].startswith("### vtopo plan"), markdown[:3]
    graph = topology_graph(desired, primary=topology.primary_name, databases=database_order(topology), name=topology.name)
    for format in GraphFormat:
        render_graph(graph, format)


# --- validation only: hostile documents ---------------------------------------------------------


@settings(PROFILE, max_examples=200)
@given(documents())
def test_a_hostile_file_is_rejected_clearly_or_accepted_and_renders(document):
    text = as_yaml(document)
    try:
        topology = parse_topology(text, "topology.yaml", env=None)
    except SpecError as error:
        assert_clear_rejection(error)
        return
    render_offline(topology)


@pytest.mark.parametrize(
    ("label", "text", "message"),
    [
        ("nesting past libyaml's limit", "name: " + "[" * 5000 + "]" * 5000, "not valid YAML: exceeded maximum nesting depth"),
        ("nesting just under libyaml's limit", "name: " + "[" * 990 + "]" * 990, "name.0: nested more than 64 levels deep"),
        ("alias bomb", "\n".join(["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"] + [
            f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]), "expands to more than 200,000 values"),
        ("a 5000-digit number", "collections: {c: {database: app, dimension: " + "9" * 5000 + "}}", "collections.c.dimension: a number of 5000 digits is too large"),
        ("a date that is not one", "name: 2020-13-45", "name: cannot read this timestamp value (month must be in 1..12)"),
        ("a huge float", "collections: {c: {database: app, dimension: 1e400}}", "collections.c.dimension: Input should be a valid integer"),
        ("NaN", "collections: {c: {database: app, dimension: .nan}}", "collections.c.dimension: Input should be a valid integer"),
        ("2**63 lists", f"collections: {{c: {{database: app, dimension: 3, index: {{method: ivfflat, lists: {2**63}}}}}}}", "less than or equal to 32768"),
        ("a view in vtopo's schema", "collections: {c: {database: app, dimension: 3, expose: {view: vtopo.c}}}", "views must not live in schema vtopo"),
        ("a view in a pg_ schema", "collections: {c: {database: app, dimension: 3, expose: {view: pg_x.c}}}", "reserved by PostgreSQL"),
        ("grant to public", "collections: {c: {database: app, dimension: 3, expose: {view: c, grant: [public]}}}", "'public' is a reserved role name"),
        ("grant to none", "collections: {c: {database: app, dimension: 3, expose: {view: c, grant: [none]}}}", "'none' is a reserved role name"),
        ("a quote in a name", "collections: {\"x'\\\"; drop table t; --\": {database: app, dimension: 3}}", "is not a plain identifier"),
        ("a 64-byte name", f"collections: {{{'c' * 64}: {{database: app, dimension: 3}}}}", "PostgreSQL identifiers are at most 63 bytes"),
        ("unicode", "collections: {naïve: {database: app, dimension: 3}}", "is not a plain identifier"),
        ("IVFFlat cosine on one dimension", "collections: {c: {database: app, dimension: 1, index: {method: ivfflat}}}", "needs at least 2 dimensions"),
    ],
)
def test_hostile_files_get_one_clear_message(tmp_path, label, text, message):
    path = tmp_path / "topology.yaml"
    path.write_text("version: 1\ndatabases:\n  app: {primary: true, dsn: '${env:X}'}\n" + text + "\n", encoding="utf-8")
    from harness import run_vtopo

    result = run_vtopo("validate", "-f", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr, f"{label}: {result.stderr}"
    assert message in result.stderr, f"{label}: {result.stderr}"
    assert len(result.stderr.splitlines()) <= 6, result.stderr


# --- applied: valid documents with hostile-but-legal names ----------------------------------------

def relations(db) -> set[tuple[str, str, str]]:
    """(schema, name, relkind) of every table, view and foreign table outside the system schemas."""
    return set(rows(db, "select n.nspname, c.relname, c.relkind::text from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                        " where c.relkind in ('r', 'v', 'f', 'm', 'p') and n.nspname not in ('pg_catalog', 'information_schema')"
                        " and left(n.nspname, 3) <> 'pg_'"))


# Each example creates, applies and drops three databases: no shrinking (minutes per step); a
# failure is reported as generated.
@settings(PROFILE, max_examples=25, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(legal_topologies())
def test_a_legal_topology_with_hostile_names_applies_exactly_its_plan(pg_servers, tmp_path_factory, drawn):
    keys, collections = drawn["keys"], drawn["collections"]
    with fresh_databases(pg_servers) as dbs:
        by_key = dict(zip(keys, dbs))
        env = {}
        data: dict[str, Any] = {"version": 1, "databases": {}, "collections": collections}
        if drawn["name"]:
            data["name"] = drawn["name"]
        for position, (key, db) in enumerate(by_key.items()):
            env[f"HY_DSN_{position}"] = db.dsn
            entry: dict[str, Any] = {"dsn": f"${{env:HY_DSN_{position}}}"}
            if position == 0:
                entry["primary"] = True
            else:
                env[f"HY_PW_{position}"] = f"pw'{position}; --"
                entry["fdw"] = {"password": f"${{env:HY_PW_{position}}}"}
                if (db.peer_host, db.peer_port) != (db.host, db.port):
                    entry["fdw"].update(host=db.peer_host, port=db.peer_port)
            data["databases"][key] = entry
        for db in dbs:  # something vtopo must never touch
            with db.connect() as conn:
                conn.execute("create table public.sentinel (id int); insert into public.sentinel values (1)")
        before = {key: relations(db) for key, db in by_key.items()}
        path = write_topology(tmp_path_factory.mktemp("hy") / "topology.yaml", data)
        with environment(env):
            outcome = apply_topology(path, approve=lambda plan: True)
        remaining = [(c.database, c.kind.value, c.name, c.action.value, c.reason) for c in outcome.remaining.changes]
        assert not remaining, f"not converged: {remaining}\n{json.dumps(data, indent=1)}"

        # Exactly what the plan created: relations per database, nothing else added or removed.
        expected: dict[str, set[tuple[str, str, str]]] = {key: set(before[key]) for key in keys}
        expected[keys[0]].add(("vtopo", "_apply_journal", "r"))  # the journal, on the primary
        for change in outcome.plan.changes:
            assert change.action.value == "create", change
            kind, name, key = change.kind.value, change.name, change.database
            if kind == "collection":
                expected[key].add(("vecs", name, "r"))
            elif kind == "exposure_view":
                expected[key].add(("vtopo", name, "v"))
            elif kind == "foreign_table":
                expected[key].add(("vtopo", name, "f"))
            elif kind == "exposed_view":
                expected[key].add((*name.split(".", 1), "v"))
        for key, db in by_key.items():
            assert relations(db) == expected[key], (key, relations(db) ^ expected[key])
            assert rows(db, "select count(*) from public.sentinel") == [(1,)]
        # Every index the plan made is valid and named as planned; every grant is exactly the topology's.
        for name, spec in collections.items():
            db = by_key[spec["database"]]
            found = rows(db, "select i.relname, ix.indisvalid from pg_index ix join pg_class i on i.oid = ix.indexrelid"
                             " where ix.indrelid = to_regclass(%s) and not ix.indisprimary", (f'vecs."{name}"',))
            planned = {c.subject.attrs_dict["index_name"] for c in outcome.plan.changes
                       if c.kind.value in ("vector_index", "metadata_index") and c.subject.spec_dict["collection"] == name}
            assert {index for index, _ in found} == planned and all(valid for _, valid in found), (name, found, planned)
            if spec.get("expose"):
                schema, view = spec["expose"]["view"].split(".", 1)
                grantees = {r for (r,) in rows(by_key[keys[0]], "select r.rolname from pg_class c join pg_namespace n on n.oid = c.relnamespace,"
                                                                 " aclexplode(c.relacl) g join pg_roles r on r.oid = g.grantee"
                                                                 " where n.nspname = %s and c.relname = %s and g.grantee <> c.relowner", (schema, view))}
                assert grantees == set(spec["expose"]["grant"]), (view, grantees)


HOSTILE_DATABASE = "vt'\"; drop table x; -- ünï 名 $$ %s {{x}}"


@pytest.fixture
def hostile_database(pg_servers):
    """A real database on secondary1 whose name is made of SQL and template metacharacters."""
    from psycopg import sql

    server = pg_servers.secondary1
    with server.connect() as conn:
        conn.execute(sql.SQL("create database {}").format(sql.Identifier(HOSTILE_DATABASE)))
    try:
        yield server
    finally:
        with server.connect() as conn:
            conn.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(HOSTILE_DATABASE)))


def test_a_database_named_with_metacharacters_is_wired_by_value(pg_dbs, make_topology, hostile_database):
    """The FDW server's dbname comes from the DSN: it reaches the catalog as exactly that string
    (a quoted literal), the wiring works, and the re-plan is empty."""
    import urllib.parse

    from harness import topology_for
    from integration.helpers import insert_vectors, scalar
    from vtopo.operations import make_plan

    data, env = topology_for(pg_dbs, prefix="HD", collections={
        "notes": {"database": "pod1", "dimension": 3, "metadata": {"tag": {"type": "text"}}, "expose": {"view": "public.notes"}},
    })
    data["name"] = "x'); drop table t; -- [bold]"
    server = hostile_database
    env["HD_POD1_DSN"] = f"postgresql://{server.user}:{urllib.parse.quote(server.password, safe='')}@{server.host}:{server.port}/{urllib.parse.quote(HOSTILE_DATABASE, safe='')}"
    path = make_topology(data, env)
    outcome = apply_topology(path, approve=lambda plan: True)
    assert outcome.remaining is not None and outcome.remaining.is_empty
    options = scalar(pg_dbs.primary, "select srvoptions from pg_foreign_server where srvname = 'vtopo_pod1'")
    assert f"dbname={HOSTILE_DATABASE}" in options, options

    class Hostile:  # a PgDatabase-like handle on the hostile database
        dsn = env["HD_POD1_DSN"]

        def connect(self):
            import psycopg

            return psycopg.connect(self.dsn, autocommit=True)

    insert_vectors(Hostile(), "notes", [("n1", [1, 2, 3], {"tag": "ok"})])
    assert rows(pg_dbs.primary, "select id, tag from public.notes") == [("n1", "ok")]
    assert make_plan(path)[0].is_empty
    assert rows(pg_dbs.primary, "select topology from vtopo._apply_journal limit 1") == [(data["name"],)]


def test_an_edited_plan_file_is_refused_before_any_database_changes(topo, tmp_path):
    """A saved plan whose primary SQL was edited (here: a smuggled statement) is refused as a
    whole: the secondaries, whose steps come first, are not touched either."""
    from integration.helpers import assert_unchanged, snapshots

    plan_file = tmp_path / "plan.json"
    topo.plan("--out", str(plan_file))
    document = json.loads(plan_file.read_text())
    step = next(s for s in document["steps"] if s["database"] == "app" and s["statements"])
    step["statements"][0]["sql"] += " DROP TABLE public.sentinel;"
    plan_file.write_text(json.dumps(document))
    before = snapshots(topo.dbs)
    refused = topo.apply(str(plan_file), expect=1).stderr
    assert "error: database 'app': the SQL of" in refused and "differs from the plan's; nothing was applied" in refused, refused
    assert_unchanged(before, topo.dbs)
