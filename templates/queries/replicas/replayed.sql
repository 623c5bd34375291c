-- Has this replica replayed its database's WAL up to the given position?
SELECT coalesce(pg_last_wal_replay_lsn() >= %(lsn)s::pg_lsn, false) AS replayed
