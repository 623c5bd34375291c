-- Who holds vtopo's advisory lock, for the "waiting for" message.
SELECT a.pid, a.application_name, a.usename AS user_name, a.client_addr::text AS client, a.backend_start::text AS since
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.classid = %(classid)s AND l.objid = %(objid)s AND l.objsubid = 2
  AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
LIMIT 1
