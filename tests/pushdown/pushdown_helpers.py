"""Helpers for the pushdown tests: topologies wired over the test databases, seeded rows,
EXPLAIN (VERBOSE) through the primary, searches on both sides, `vtopo check`.

Everything runs against the real servers of the test harness (tests/conftest.py); nothing
here imitates a database. The EXPLAIN output is read as text, independently of
vtopo.check.verdict, so these tests do not trust the code they test.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import psycopg
import yaml
from harness import PgDatabase, PgDatabases, run_vtopo, topology_for, write_topology
from psycopg import sql

from vtopo.catalog.names import OPERATOR
from vtopo.spec.names import owned_reader_role_name, server_name
from vtopo.check.probe import run_checks
from vtopo.check.verdict import CheckResult
from vtopo.operations import apply_topology, read_state
from vtopo.spec.loader import load_topology

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "topology.example.yaml"
# Which test database plays which database of the example file.
EXAMPLE_DATABASES = {"app": "primary", "docs_pod": "secondary1", "media_pod": "secondary2"}
TEST_KEYS = {"app": "primary", "pod1": "secondary1", "pod2": "secondary2"}
ENV_REFERENCE = re.compile(r"^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$")
K = 10  # top-k of the searches in these tests


# --- databases and topologies -----------------------------------------------------------------


@dataclass
class Wired:
    """A topology file over the test databases, and where each of its databases lives."""

    path: Path
    data: dict[str, Any]
    env: dict[str, str]
    databases: dict[str, PgDatabase]  # topology key -> test database

    @property
    def primary(self) -> PgDatabase:
        return self.databases[next(k for k, v in self.data["databases"].items() if v.get("primary"))]

    @property
    def collections(self) -> dict[str, Any]:
        return self.data["collections"]

    def db_of(self, collection: str) -> PgDatabase:
        return self.databases[self.collections[collection]["database"]]

    def remote(self, database: str | None = None) -> list[str]:
        """Names of the exposed collections that live on a secondary (optionally: on `database`)."""
        primary = next(k for k, v in self.data["databases"].items() if v.get("primary"))
        return [
            name
            for name, spec in self.collections.items()
            if spec.get("expose") and spec["database"] != primary and database in (None, spec["database"])
        ]

    def reader(self, database: str) -> tuple[str, str]:
        """(role, password) of the login role the primary's foreign server uses on `database`."""
        fdw = self.data["databases"][database]["fdw"]
        password = self.env[ENV_REFERENCE.match(fdw["password"]).group(1)]
        default = owned_reader_role_name(database, fdw.get("dbname", self.databases[database].dbname))
        return fdw.get("user", default), password

    def server(self, database: str) -> str:
        return server_name(database)

    def apply(self) -> None:
        outcome = apply_topology(self.path, approve=lambda plan: True)
        assert outcome.remaining is not None and outcome.remaining.is_empty, "apply did not converge"

    def run_checks(self, *, analyze: bool = False) -> list[CheckResult]:
        return run_checks(read_state(load_topology(self.path)), analyze=analyze)

    def vtopo_check(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The real `vtopo check` in a subprocess; wide columns so details are not folded."""
        result = run_vtopo("check", "-f", str(self.path), *args, env={**self.env, "COLUMNS": "250"})
        assert "Traceback" not in result.stdout + result.stderr, result.stderr
        return result

    def vtopo_check_json(self, *args: str) -> tuple[int, dict[str, Any]]:
        result = self.vtopo_check("--format", "json", *args)
        try:
            return result.returncode, json.loads(result.stdout)
        except ValueError:
            raise AssertionError(f"not JSON (exit {result.returncode}):\n{result.stdout}\n{result.stderr}") from None


def example_topology(dbs: PgDatabases, directory: Path) -> Wired:
    """The repository's topology.example.yaml, unchanged except that its ${env:...} names
    point at the test databases (DSNs) and at test passwords (fdw.password)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    databases = {key: getattr(dbs, EXAMPLE_DATABASES[key]) for key in data["databases"]}
    env: dict[str, str] = {}
    for key, entry in data["databases"].items():
        db = databases[key]
        env[ENV_REFERENCE.match(entry["dsn"]).group(1)] = db.dsn
        if "fdw" in entry:
            env[ENV_REFERENCE.match(entry["fdw"]["password"]).group(1)] = f"pushdown-{key}-{db.dbname}"
            if (db.peer_host, db.peer_port) != (db.host, db.port):  # containers reach each other by alias
                entry["fdw"].update(host=db.peer_host, port=db.peer_port)
    path = write_topology(directory / "topology.yaml", data)
    return Wired(path, data, env, databases)


def topology_over(dbs: PgDatabases, directory: Path, collections: dict[str, Any], prefix: str = "PD") -> Wired:
    """A topology over the test databases: primary `app`, secondaries `pod1`, `pod2`."""
    data, env = topology_for(dbs, prefix=prefix, collections=collections)
    path = write_topology(directory / "topology.yaml", data)
    return Wired(path, data, env, {key: getattr(dbs, attr) for key, attr in TEST_KEYS.items()})


# The generated matrix: every measure x method x type, spread over both secondaries.
MEASURE_SHORT = {"cosine": "cos", "l2": "l2", "inner_product": "ip"}
METHODS = {"hnsw": {"method": "hnsw", "m": 8, "ef_construction": 32}, "ivfflat": {"method": "ivfflat", "lists": 10}}
TYPES = ("vector", "halfvec")


def matrix_collections(*, dimension: int = 8, grant: str) -> dict[str, Any]:
    collections = {}
    for (m, measure), (n, method), (t, vector_type) in product(
        enumerate(MEASURE_SHORT), enumerate(METHODS), enumerate(TYPES)
    ):
        name = f"{MEASURE_SHORT[measure]}_{method}_{vector_type}"
        collections[name] = {
            "database": ("pod1", "pod2")[(m + n + t) % 2],  # a checkerboard: both pods get every kind
            "dimension": dimension,
            "type": vector_type,
            "measure": measure,
            "index": dict(METHODS[method]),
            "metadata": {"label": {"type": "text", "index": True}},
            "expose": {"view": f"public.{name}", "grant": [grant]},
        }
    return collections


# --- rows and vectors -------------------------------------------------------------------------


def load_rows(
    db: PgDatabase,
    collection: str,
    *,
    count: int,
    dimension: int,
    vector_type: str = "vector",
    metadata: str = "'{}'::jsonb",
    id_prefix: str = "r",
    start: int = 1,
    seed: float = 0.42,
) -> None:
    """INSERT ... SELECT generate_series into vecs.<collection> on its own database.

    Vectors come from random() after setseed(seed): the same rows on every run.
    `metadata` is an SQL expression over the row number `i`.
    """
    statement = sql.SQL(
        "INSERT INTO {table} (id, vec, metadata) "
        "SELECT {prefix} || i, "
        "(SELECT array_agg(random() * 2 - 1) FROM generate_series(1, {dim}) WHERE i > 0)::{type}, "
        "{metadata} "
        "FROM generate_series({start}, {stop}) AS i"
    ).format(
        table=sql.Identifier("vecs", collection),
        prefix=sql.Literal(id_prefix),
        dim=sql.Literal(dimension),
        type=sql.SQL(f"{vector_type}({int(dimension)})"),
        metadata=sql.SQL(metadata),
        start=sql.Literal(start),
        stop=sql.Literal(start + count - 1),
    )
    with db.connect() as conn:
        with conn.transaction():
            conn.execute("SELECT setseed(%s)", (seed,))
            conn.execute(statement)
        # Do not leave the remote plans to autovacuum's timing.
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier("vecs", collection)))


def query_vectors(seed: int, count: int, dimension: int) -> list[str]:
    """`count` vector literals from a seeded generator."""
    rng = random.Random(seed)
    return ["[" + ",".join(f"{rng.uniform(-1, 1):.6f}" for _ in range(dimension)) + "]" for _ in range(count)]


def operator(measure: str) -> str:
    return OPERATOR[measure]


# --- EXPLAIN ------------------------------------------------------------------------------------


def explain(conn: psycopg.Connection, query: sql.Composable | str) -> str:
    """EXPLAIN (VERBOSE) output as text."""
    statement = sql.SQL("EXPLAIN (VERBOSE) ") + (sql.SQL(query) if isinstance(query, str) else query)
    return "\n".join(line for (line,) in conn.execute(statement))


def remote_sql(plan: str) -> list[str]:
    """The `Remote SQL:` of every foreign scan in a text plan."""
    return [match.strip() for match in re.findall(r"Remote SQL: (.*)$", plan, flags=re.M)]


def shorten(text: str) -> str:
    """A plan or SQL text for an assertion message: long vector literals cut."""
    return re.sub(r"'\[[^']{60,}?\]'", lambda m: m.group(0)[:40] + "…]'", text)


def single_remote_sql(plan: str) -> str:
    sqls = remote_sql(plan)
    assert len(sqls) == 1, f"expected one foreign scan:\n{shorten(plan)}"
    return sqls[0]


def top_k_clause(op: str, k: int = K) -> str:
    """Regex: what a shipped top-k ends with (the vector literal, maybe with a cast)."""
    return (
        rf"ORDER BY \(embedding OPERATOR\(public\.{re.escape(op)}\) '\[[^']*\]'(::\w+)?\) ASC NULLS LAST "
        rf"LIMIT {k}::bigint$"
    )


def search_sql(relation: tuple[str, str], op: str, vector: str, *, where: str | None = None, columns: str = "id", k: int = K) -> sql.Composed:
    """SELECT <columns> FROM relation [WHERE ...] ORDER BY embedding <op> 'vector' LIMIT k, as a client sends it."""
    parts = [sql.SQL("SELECT {} FROM {}").format(sql.SQL(columns), sql.Identifier(*relation))]
    if where:
        parts.append(sql.SQL(" WHERE ") + sql.SQL(where))
    parts.append(sql.SQL(" ORDER BY embedding {} {} LIMIT {}").format(sql.SQL(op), sql.Literal(vector), sql.Literal(k)))
    return sql.Composed(parts)


def view_of(wired: Wired, collection: str) -> tuple[str, str]:
    schema, name = wired.collections[collection]["expose"]["view"].split(".")
    return schema, name


# --- searches on both sides ---------------------------------------------------------------------


def role_settings(db: PgDatabase, role: str) -> dict[str, str]:
    """The settings ALTER ROLE ... IN DATABASE ... SET gave `role` in `db` (pg_db_role_setting)."""
    with db.connect() as conn:
        row = conn.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole"
            " JOIN pg_database d ON d.oid = s.setdatabase AND d.datname = current_database()"
            " WHERE r.rolname = %s", (role,)).fetchone()
    return dict(item.split("=", 1) for item in (row[0] if row else []))


def set_role_setting(db: PgDatabase, role: str, setting: str, value: str | None) -> None:
    """ALTER ROLE ... IN DATABASE ... SET (RESET for None) for `db`; new sessions of the role there see it."""
    target = sql.SQL("ALTER ROLE {} IN DATABASE {}").format(sql.Identifier(role), sql.Identifier(db.dbname))
    with db.connect() as conn:
        if value is None:
            conn.execute(sql.SQL("{} RESET {}").format(target, sql.SQL(setting)))
        else:
            conn.execute(sql.SQL("{} SET {} = {}").format(target, sql.SQL(setting), sql.Literal(value)))


def ids(conn: psycopg.Connection, query: sql.Composable) -> list[str]:
    return [row[0] for row in conn.execute(query)]


def search_direct(db: PgDatabase, query: sql.Composable, settings: dict[str, str]) -> list[str]:
    """Run `query` on a secondary as the superuser, with `settings` SET LOCAL first."""
    with db.connect() as conn, conn.transaction():
        for name, value in settings.items():
            conn.execute("SELECT set_config(%s, %s, true)", (name, value))
        return ids(conn, query)


def connect_as(db: PgDatabase, user: str, password: str) -> psycopg.Connection:
    return psycopg.connect(
        host=db.host, port=db.port, dbname=db.dbname, user=user, password=password, autocommit=True, connect_timeout=10
    )


@contextmanager
def as_role(conn: psycopg.Connection, role: str) -> Iterator[psycopg.Connection]:
    """SET LOCAL ROLE inside a transaction that is rolled back afterwards."""
    with conn.transaction(force_rollback=True):
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        yield conn


def drop_fdw_connections(conn: psycopg.Connection) -> None:
    """postgres_fdw caches its connection per session: the next query connects anew."""
    conn.execute("SELECT postgres_fdw_disconnect_all()")


# --- check results ------------------------------------------------------------------------------


def result_of(document: dict[str, Any], collection: str, check: str) -> dict[str, Any]:
    found = [r for r in document["results"] if r["collection"] == collection and r["check"] == check]
    assert len(found) == 1, f"no single result {check!r} for {collection}: {document['results']}"
    return found[0]


def failed(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["collection"], r["check"]) for r in document["results"] if r["passed"] is False]
