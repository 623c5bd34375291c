-- A concurrent index build's progress (PostgreSQL's own view), for one session.
SELECT p.phase,
       p.blocks_done, p.blocks_total, p.tuples_done, p.tuples_total,
       p.lockers_done, p.lockers_total
FROM pg_stat_progress_create_index p
WHERE p.pid = %(pid)s
