-- Where the database's own server is in its WAL: everything committed so far (the insert
-- position: with synchronous_commit off, the write position lags behind commits).
SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END::text AS lsn
