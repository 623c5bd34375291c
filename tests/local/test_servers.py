"""The test servers themselves: pgvector and postgres_fdw work as in production."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql


def test_every_server_has_pgvector_with_hnsw(pg_dbs):
    for db in pg_dbs:
        with db.connect() as conn:
            conn.execute("create extension vector")
            version = conn.execute("select extversion from pg_extension where extname = 'vector'").fetchone()[0]
            assert tuple(int(part) for part in version.split(".")[:2]) >= (0, 8)
            conn.execute("create table items (id int primary key, embedding vector(3))")
            conn.execute("insert into items values (1, '[1,0,0]'), (2, '[0,1,0]'), (3, '[0.9,0.1,0]'), (4, '[0,0,1]')")
            conn.execute("create index items_hnsw on items using hnsw (embedding vector_cosine_ops)")
            conn.execute("set enable_seqscan = off")  # 4 rows: force the index to prove it answers
            query = "select id from items order by embedding <=> '[1,0,0]' limit 2"
            plan = "\n".join(row[0] for row in conn.execute("explain " + query))
            assert "items_hnsw" in plan
            assert [row[0] for row in conn.execute(query)] == [1, 3]
            conn.execute("create extension postgres_fdw")  # available everywhere, not only on the primary


def _remote_table_with_reader(db, role: str, password: str) -> None:
    """On a secondary: a table and a NON-superuser login role that may read it."""
    with db.connect() as conn:
        conn.execute("create extension vector")
        conn.execute("create table docs (id int primary key, title text, embedding vector(3))")
        conn.execute("insert into docs values (1, 'alpha', '[1,0,0]'), (2, 'beta', '[0,1,0]')")
        conn.execute(sql.SQL("create role {} login nosuperuser password {}").format(
            sql.Identifier(role), sql.Literal(password)))
        conn.execute(sql.SQL("grant select on docs to {}").format(sql.Identifier(role)))
        stored = conn.execute("select rolpassword from pg_authid where rolname = %s", [role]).fetchone()[0]
        assert stored.startswith("SCRAM-SHA-256$")


def _foreign_table(conn, server: str, remote, user: str, password: str) -> None:
    conn.execute(sql.SQL(
        "create server {} foreign data wrapper postgres_fdw options (host {}, port {}, dbname {}, extensions 'vector')"
    ).format(sql.Identifier(server), sql.Literal(remote.peer_host), sql.Literal(str(remote.peer_port)),
             sql.Literal(remote.dbname)))
    conn.execute(sql.SQL("create user mapping for current_user server {} options (user {}, password {})").format(
        sql.Identifier(server), sql.Literal(user), sql.Literal(password)))
    conn.execute(sql.SQL(
        "create foreign table {} (id int, title text, embedding vector(3)) server {} options (table_name 'docs')"
    ).format(sql.Identifier(f"{server}_docs"), sql.Identifier(server)))


def test_postgres_fdw_from_primary_to_secondary_needs_the_right_password(pg_dbs):
    _remote_table_with_reader(pg_dbs.secondary1, "fdw_reader", "reader-secret")
    with pg_dbs.primary.connect() as conn:
        conn.execute("create extension vector")
        conn.execute("create extension postgres_fdw")
        _foreign_table(conn, "pod", pg_dbs.secondary1, "fdw_reader", "reader-secret")
        rows = conn.execute("select id, title from pod_docs order by embedding <=> '[1,0,0]'").fetchall()
        assert rows == [(1, "alpha"), (2, "beta")]
        # The rows really came over a TCP connection as the non-superuser role.
        assert conn.execute("select count(*) from postgres_fdw_get_connections() where server_name = 'pod'"
                            ).fetchone()[0] == 1

        _foreign_table(conn, "pod_bad", pg_dbs.secondary1, "fdw_reader", "wrong-secret")
        with pytest.raises(psycopg.Error, match="password authentication failed"):
            conn.execute("select * from pod_bad_docs").fetchall()


def test_tcp_login_needs_a_password(pg_servers):
    server = pg_servers.secondary2
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=server.host, port=server.port, user=server.user, password="not-it",
                        dbname="postgres", connect_timeout=10)
