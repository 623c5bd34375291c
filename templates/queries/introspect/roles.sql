-- Roles the topology names and roles vtopo created (marked), with their settings: those for
-- this database (ALTER ROLE ... IN DATABASE) and those for every database (before roles had owners).
SELECT r.rolname AS name, r.rolcanlogin AS login, r.rolconnlimit AS connection_limit, shobj_description(r.oid, 'pg_authid') AS comment,
       (SELECT s.setconfig FROM pg_db_role_setting s WHERE s.setrole = r.oid AND s.setdatabase = 0) AS global_settings,
       (SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
         WHERE s.setrole = r.oid AND d.datname = current_database()) AS settings,
       -- privileges or objects in another database of the server: dropping the role would fail
       EXISTS (SELECT 1 FROM pg_shdepend sd JOIN pg_database od ON od.oid = sd.dbid
               WHERE sd.refclassid = 'pg_authid'::regclass AND sd.refobjid = r.oid
                 AND od.datname <> current_database()) AS used_elsewhere
FROM pg_roles r
WHERE r.rolname = ANY(%(role_names)s) OR shobj_description(r.oid, 'pg_authid') LIKE 'vtopo:%%'
