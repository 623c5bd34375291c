-- How many of a relation's blocks sit in shared buffers (pg_buffercache, this database only).
SELECT count(*)::bigint AS buffers
FROM pg_buffercache b
WHERE b.relfilenode = %(filenode)s
  AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
