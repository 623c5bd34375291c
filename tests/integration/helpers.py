"""Helpers for the plan/apply integration tests: a topology under test, the CLI, catalog queries.

Everything here reads the real catalogs (pg_class, pg_index, pg_foreign_server,
pg_user_mappings, pg_db_role_setting, aclexplode ...) of the test databases; no
database behaviour is mocked.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import psycopg
from harness import PgDatabase, PgDatabases, run_vtopo, write_topology

from vtopo.operations import apply_topology, make_plan
from vtopo.plan.document import plan_document
from vtopo.spec.names import owned_reader_role_name

# Grantee roles of the test topologies (cluster-wide: the harness drops them after each test).
READER = "itest_reader"
OUTSIDER = "itest_outsider"
# Key of vtopo's advisory lock (vtopo.apply.session.LOCK_KEY: "vtop" as two int4 halves).
LOCK_KEY = (0x7674, 0x6F70)


def gallery_collections() -> dict[str, Any]:
    """Three small collections spread over the topology: HNSW on pod1, IVFFlat on pod2, HNSW on the primary."""
    return copy.deepcopy(
        {
            "articles": {
                "database": "pod1",
                "dimension": 8,
                "measure": "cosine",
                "index": {"method": "hnsw", "m": 8, "ef_construction": 32},
                "metadata": {"lang": {"type": "text", "index": True}, "year": {"type": "integer"}},
                "search": {"ef_search": 60, "iterative_scan": "strict_order"},
                "expose": {"view": "public.articles", "grant": [READER]},
            },
            "clips": {
                "database": "pod2",
                "dimension": 4,
                "measure": "l2",
                "index": {"method": "ivfflat", "lists": 4},
                "metadata": {"seconds": {"type": "numeric"}},
                "search": {"probes": 2},
                "expose": {"view": "public.clips", "grant": [READER]},
            },
            "faces": {
                "database": "app",
                "dimension": 4,
                "measure": "inner_product",
                "index": {"method": "hnsw"},
                "metadata": {"person": {"type": "text", "index": True}},
                "expose": {"view": "public.faces", "grant": [READER]},
            },
        }
    )


# --- the CLI -------------------------------------------------------------------------------------


def check_run(result: subprocess.CompletedProcess[str], expect: int, what: str) -> subprocess.CompletedProcess[str]:
    """Assert the exit code, and that no Python traceback reached the user."""
    shown = f"{what}\n--- exit {result.returncode}\n--- stdout:\n{result.stdout}\n--- stderr:\n{result.stderr}"
    assert result.returncode == expect, f"expected exit {expect}: {shown}"
    assert "Traceback" not in result.stdout + result.stderr, shown
    return result


def start_vtopo(*args: str) -> subprocess.Popen[str]:
    """`vtopo ARGS...` started in the background (same interpreter and environment as run_vtopo)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from vtopo.cli import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def vtopo(*args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    """The real CLI (environment: os.environ, where the test's monkeypatch put the topology's variables)."""
    return check_run(run_vtopo(*args), expect, "vtopo " + " ".join(args))


@dataclass
class Topo:
    """A topology file over the test databases (app = primary, pod1 = secondary1, pod2 = secondary2)."""

    path: Path
    data: dict[str, Any]
    env: dict[str, str]
    dbs: PgDatabases
    monkeypatch: Any = field(repr=False, default=None)

    def db(self, key: str) -> PgDatabase:
        return {"app": self.dbs.primary, "pod1": self.dbs.secondary1, "pod2": self.dbs.secondary2}[key]

    def reader(self, key: str) -> str:
        """The default name of a secondary's reader role (roles are cluster-wide: it carries a
        hash of the database's name)."""
        return owned_reader_role_name(key, self.db(key).dbname)

    @property
    def collections(self) -> dict[str, Any]:
        return self.data["collections"]

    def write(self) -> Path:
        """Rewrite the file after changing `data`."""
        return write_topology(self.path, self.data)

    def setenv(self, name: str, value: str) -> None:
        self.env[name] = value
        self.monkeypatch.setenv(name, value)

    def plan(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        return vtopo("plan", "-f", str(self.path), *args, expect=expect)

    def apply(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        return vtopo("apply", "-f", str(self.path), *args, expect=expect)

    def apply_auto(self, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
        return self.apply("--auto-approve", *args, expect=expect)

    # In-process pipeline: the same plan and apply as the CLI without a Python start-up per call,
    # for setup steps and follow-up checks whose CLI side is not what a test is about.

    def plan_document(self) -> dict[str, Any]:
        """The JSON plan document (what `plan --format json` prints)."""
        return json.loads(json.dumps(plan_document(make_plan(self.path)[0])))

    def setup_apply(self) -> None:
        """Apply the file in-process (no confirmation, no post-apply check); it must converge."""
        outcome = apply_topology(self.path, approve=lambda plan: True)
        assert outcome.remaining is None or outcome.remaining.is_empty, plan_document(outcome.remaining)["changes"]

    def assert_plan_empty(self) -> None:
        plan, _ = make_plan(self.path)
        assert plan.is_empty, [(c.database, c.kind.value, c.name, c.action.value, c.reason) for c in plan.changes]

    def assert_converged(self) -> None:
        """`vtopo plan --detailed-exitcode` exits 0 and says there are no changes."""
        assert "No changes" in self.plan("--detailed-exitcode", expect=0).stdout


def changes_of(document: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """(database, kind, name, action) of every change in a JSON plan document."""
    return {(c["database"], c["kind"], c["name"], c["action"]) for c in document["changes"]}


def hazards_of(document: dict[str, Any], kind: str, name: str) -> set[str]:
    return {h["kind"] for c in document["changes"] if (c["kind"], c["name"]) == (kind, name) for h in c["hazards"]}


def secret_forms(*secrets: str) -> set[str]:
    """A secret as it could leak: raw, URL-encoded (both ways), SQL-quoted."""
    forms = set()
    for secret in secrets:
        forms |= {
            secret,
            urllib.parse.quote(secret, safe=""),
            urllib.parse.quote(secret),
            urllib.parse.quote_plus(secret),
            secret.replace("'", "''"),
        }
    return forms


def assert_no_secret(texts: Iterable[str], secrets: Iterable[str]) -> None:
    forms = secret_forms(*secrets)
    for text in texts:
        for form in forms:
            assert form not in text, f"a secret ({form[:2]}…) leaked into:\n{text[:2000]}"


# --- catalog queries -----------------------------------------------------------------------------


def rows(db: PgDatabase, query: str, params: Any = None) -> list[tuple]:
    with db.connect() as conn:
        return conn.execute(query, params).fetchall()


def scalar(db: PgDatabase, query: str, params: Any = None) -> Any:
    result = rows(db, query, params)
    return result[0][0] if result else None


def execute(db: PgDatabase, *statements: str) -> None:
    """Change a database by hand (as the superuser)."""
    with db.connect() as conn:
        for statement in statements:
            conn.execute(statement)


def relkind(db: PgDatabase, qualified: str) -> str | None:
    """'r' table, 'v' view, 'f' foreign table, 'i' index ... or None when absent."""
    return scalar(db, "select relkind::text from pg_class where oid = to_regclass(%s)", (qualified,))


def view_options(db: PgDatabase, qualified: str) -> list[str]:
    return scalar(db, "select coalesce(reloptions, '{}') from pg_class where oid = to_regclass(%s)", (qualified,))


def vector_dimension(db: PgDatabase, table: str) -> int | None:
    return scalar(
        db,
        "select atttypmod from pg_attribute where attrelid = to_regclass(%s) and attname = 'vec'",
        (f"vecs.{table}",),
    )


def vector_indexes(db: PgDatabase, table: str) -> list[dict[str, Any]]:
    """Indexes on vecs.<table>'s vec column: name, method, opclass, options, valid."""
    result = rows(
        db,
        """
        select i.relname, am.amname, opc.opcname, coalesce(i.reloptions, '{}'), ix.indisvalid
        from pg_index ix
        join pg_class i on i.oid = ix.indexrelid
        join pg_am am on am.oid = i.relam
        join pg_opclass opc on opc.oid = ix.indclass[0]
        join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = ix.indkey[0]
        where ix.indrelid = to_regclass(%s) and a.attname = 'vec'
        order by i.relname
        """,
        (f"vecs.{table}",),
    )
    return [
        {"name": name, "method": method, "opclass": opclass, "options": sorted(options), "valid": valid}
        for name, method, opclass, options, valid in result
    ]


def index_names(db: PgDatabase, table: str) -> set[str]:
    return {name for (name,) in rows(db, "select indexrelid::regclass::text from pg_index where indrelid = to_regclass(%s)", (table,))}


def server_options(db: PgDatabase, server: str) -> dict[str, str] | None:
    options = scalar(db, "select coalesce(srvoptions, '{}') from pg_foreign_server where srvname = %s", (server,))
    return None if options is None else dict(item.split("=", 1) for item in options)


def user_mapping_options(db: PgDatabase, server: str) -> dict[str, str] | None:
    options = scalar(
        db, "select coalesce(umoptions, '{}') from pg_user_mappings where srvname = %s and usename = 'public'", (server,)
    )
    return None if options is None else dict(item.split("=", 1) for item in options)


def reader_role(primary: PgDatabase, server: str) -> str:
    """The role the primary logs in as on a secondary (whatever vtopo named it): its user mapping's user."""
    options = user_mapping_options(primary, server)
    assert options and "user" in options, f"no user mapping for server {server}"
    return options["user"]


def foreign_table_server(db: PgDatabase, qualified: str) -> str | None:
    return scalar(
        db,
        "select s.srvname from pg_foreign_table t join pg_foreign_server s on s.oid = t.ftserver where t.ftrelid = to_regclass(%s)",
        (qualified,),
    )


def role_exists(db: PgDatabase, role: str) -> bool:
    return bool(scalar(db, "select count(*) from pg_roles where rolname = %s", (role,)))


def role_settings(db: PgDatabase, role: str) -> dict[str, str]:
    """ALTER ROLE ... IN DATABASE ... SET values of a role for this database."""
    config = scalar(
        db,
        "select coalesce(s.setconfig, '{}') from pg_roles r left join (pg_db_role_setting s"
        " join pg_database d on d.oid = s.setdatabase and d.datname = current_database())"
        " on s.setrole = r.oid where r.rolname = %s",
        (role,),
    )
    return dict(item.split("=", 1) for item in config or [])


def can_select(db: PgDatabase, role: str, qualified: str) -> bool:
    return scalar(db, "select has_table_privilege(%s, %s, 'SELECT')", (role, qualified))


def table_grantees(db: PgDatabase, qualified: str) -> set[tuple[str, str]]:
    """(privilege, grantee) granted explicitly on a relation (owner excluded)."""
    return set(
        rows(
            db,
            "select g.privilege_type, r.rolname from pg_class c, aclexplode(c.relacl) g"
            " join pg_roles r on r.oid = g.grantee where c.oid = to_regclass(%s) and g.grantee <> c.relowner",
            (qualified,),
        )
    )


def schema_usage(db: PgDatabase, role: str, schema: str) -> bool:
    """USAGE granted explicitly to role on schema (not via PUBLIC, not as owner)."""
    return bool(
        scalar(
            db,
            "select count(*) from pg_namespace n, aclexplode(n.nspacl) g join pg_roles r on r.oid = g.grantee"
            " where n.nspname = %s and r.rolname = %s and g.privilege_type = 'USAGE'",
            (schema, role),
        )
    )


def count(db: PgDatabase, qualified: str) -> int:
    with db.connect() as conn:
        return conn.execute(psycopg.sql.SQL("select count(*) from {}").format(psycopg.sql.Identifier(*qualified.split(".")))).fetchone()[0]


def insert_vectors(db: PgDatabase, collection: str, items: list[tuple[str, list[float], dict[str, Any]]]) -> None:
    with db.connect() as conn:
        conn.cursor().executemany(
            psycopg.sql.SQL("insert into {} (id, vec, metadata) values (%s, %s::vector, %s::jsonb)").format(
                psycopg.sql.Identifier("vecs", collection)
            ),
            [(id_, "[" + ",".join(map(str, vec)) + "]", json.dumps(meta)) for id_, vec, meta in items],
        )


def fill_random(db: PgDatabase, collection: str, count_: int, dimension: int, prefix: str = "r") -> None:
    """count_ random vectors, generated server-side."""
    execute(
        db,
        f"insert into vecs.{collection} (id, vec) select '{prefix}' || i,"
        f" (select array_agg(random())::vector({dimension}) from generate_series(1, {dimension}) where i > 0)"
        f" from generate_series(1, {count_}) i",
    )


# Everything a topology can touch in one database, as comparable facts. vtopo's apply journal
# (vtopo._apply_journal on the primary, and schema vtopo when it holds nothing else) is
# bookkeeping that every apply writes, not topology state: it is left out.
_SNAPSHOT = """
select 'relation', n.nspname || '.' || c.relname,
       concat_ws(' ', c.relkind, c.reloptions::text, c.relacl::text, obj_description(c.oid, 'pg_class'))
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where n.nspname not in ('pg_catalog', 'information_schema') and left(n.nspname, 3) <> 'pg_'
  and not (n.nspname = 'vtopo' and c.relname like '\\_apply\\_journal%%')
union all
select 'view', schemaname || '.' || viewname, definition from pg_views
where schemaname not in ('pg_catalog', 'information_schema')
union all
select 'schema', nspname, concat_ws(' ', nspowner::regrole::text, nspacl::text) from pg_namespace n
where left(nspname, 3) <> 'pg_' and nspname <> 'information_schema'
  and not (nspname = 'vtopo' and nspacl is null and not exists (
      select 1 from pg_class c where c.relnamespace = n.oid and c.relname not like '\\_apply\\_journal%%'))
union all
select 'extension', extname, extversion from pg_extension
union all
select 'server', srvname, concat_ws(' ', srvoptions::text, obj_description(oid, 'pg_foreign_server')) from pg_foreign_server
union all
select 'user mapping', srvname || ':' || usename, umoptions::text from pg_user_mappings
union all
select 'role', r.rolname, concat_ws(' ', r.rolcanlogin, r.rolpassword, s.setconfig::text, shobj_description(r.oid, 'pg_authid'))
from pg_authid r left join pg_db_role_setting s on s.setrole = r.oid and s.setdatabase = 0
union all
select 'role setting', r.rolname || ' in ' || d.datname, s.setconfig::text
from pg_db_role_setting s join pg_authid r on r.oid = s.setrole
join pg_database d on d.oid = s.setdatabase and d.datname = current_database()
"""


def snapshot(db: PgDatabase) -> set[tuple[str, str, str]]:
    """Relations (with options, ACLs, comments), view definitions, schemas, extensions,
    servers, user mappings and roles (with passwords, settings for every database and for this one) of a database."""
    return set(rows(db, _SNAPSHOT))


def snapshots(dbs: PgDatabases) -> dict[str, set[tuple[str, str, str]]]:
    return {"app": snapshot(dbs.primary), "pod1": snapshot(dbs.secondary1), "pod2": snapshot(dbs.secondary2)}


def assert_unchanged(before: dict[str, set], dbs: PgDatabases) -> None:
    after = snapshots(dbs)
    for key in before:
        assert after[key] == before[key], (
            f"{key} changed: appeared {sorted(after[key] - before[key])}, gone {sorted(before[key] - after[key])}"
        )
