-- postgres_fdw servers vtopo manages, and their PUBLIC user mappings.
SELECT s.srvname AS name, s.srvoptions AS options, obj_description(s.oid, 'pg_foreign_server') AS comment,
       w.fdwname AS wrapper,
       (SELECT json_agg(json_build_array(um.usename, um.umoptions, um.umid IS NOT NULL))
          FROM pg_user_mappings um WHERE um.srvid = s.oid) AS mappings
FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE s.srvname = ANY(%(server_names)s) OR obj_description(s.oid, 'pg_foreign_server') LIKE 'vtopo:%%'
