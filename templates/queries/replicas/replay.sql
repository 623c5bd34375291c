-- One replica's state: in recovery, and how far its replay is behind the given WAL position
-- of its database's server (bytes), and since when (seconds; 0 when nothing is left to replay).
SELECT pg_is_in_recovery() AS in_recovery,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       CASE WHEN %(primary_lsn)s::pg_lsn IS NULL OR pg_last_wal_replay_lsn() IS NULL THEN NULL
            ELSE greatest(pg_wal_lsn_diff(%(primary_lsn)s::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint END AS lag_bytes,
       CASE WHEN NOT pg_is_in_recovery() THEN NULL
            WHEN %(primary_lsn)s::pg_lsn IS NOT NULL AND pg_wal_lsn_diff(%(primary_lsn)s::pg_lsn, pg_last_wal_replay_lsn()) <= 0 THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::double precision END AS lag_seconds
