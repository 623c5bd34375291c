-- One vtopo apply at a time per database (session-level advisory lock).
SELECT pg_try_advisory_lock(%(classid)s, %(objid)s) AS locked
