SELECT pg_advisory_unlock(%(classid)s, %(objid)s)
