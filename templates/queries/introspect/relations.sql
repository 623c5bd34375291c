-- Views and foreign tables vtopo manages: everything in schema vtopo, views
-- marked by vtopo, and any relation at a name the topology wants (to refuse clobbering it).
SELECT n.nspname AS schema, c.relname AS name, c.relkind AS kind,
       obj_description(c.oid, 'pg_class') AS comment, c.reloptions AS options,
       (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       ft.ftoptions AS foreign_options, fs.srvname AS server, c.reltuples AS reltuples, c.relpages AS relpages,
       EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS has_column_stats,
       COALESCE((SELECT json_agg(json_build_array(g.privilege_type, gr.rolname))
                 FROM aclexplode(c.relacl) g JOIN pg_roles gr ON gr.oid = g.grantee
                 WHERE g.grantee <> c.relowner), '[]'::json) AS grants
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_foreign_server fs ON fs.oid = ft.ftserver
WHERE c.relkind IN ('v', 'f', 'r', 'm', 'p')
  AND (n.nspname = 'vtopo'
       OR (c.relkind = 'v' AND obj_description(c.oid, 'pg_class') LIKE 'vtopo:%%')
       OR (n.nspname || '.' || c.relname) = ANY(%(view_names)s))
