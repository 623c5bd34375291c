-- Search functions: those vtopo marked as its own, and look-alikes at the names the topology
-- wants (never PostgreSQL's own). Who may EXECUTE them besides their owner ('PUBLIC' for everyone).
SELECT n.nspname || '.' || p.proname AS name,
       d.description AS comment,
       p.prosecdef AS security_definer,
       ARRAY(
           SELECT coalesce(r.rolname, 'PUBLIC')
           FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
           LEFT JOIN pg_roles r ON r.oid = a.grantee
           WHERE a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner
           ORDER BY 1
       ) AS executors
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
LEFT JOIN pg_description d ON d.objoid = p.oid AND d.classoid = 'pg_proc'::regclass AND d.objsubid = 0
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND (d.description LIKE 'vtopo:%%' OR n.nspname || '.' || p.proname = ANY (%(function_names)s))
ORDER BY 1
