-- Roles the topology names and roles vtopo created (marked), with their search settings.
SELECT r.rolname AS name, r.rolcanlogin AS login, shobj_description(r.oid, 'pg_authid') AS comment,
       (SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS settings
FROM pg_roles r
WHERE r.rolname = ANY(%(role_names)s) OR shobj_description(r.oid, 'pg_authid') LIKE 'vtopo:%%'
