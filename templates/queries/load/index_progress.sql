-- Where a CREATE INDEX in another session is (PostgreSQL's own progress view).
SELECT phase, blocks_done, blocks_total, tuples_done, tuples_total
FROM pg_stat_progress_create_index WHERE pid = %(pid)s
