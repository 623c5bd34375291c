-- The schemas vtopo uses (vecs, vtopo, the exposed views' schemas) and their grants.
SELECT n.nspname AS name, r.rolname AS owner,
       COALESCE((SELECT json_agg(json_build_array(g.privilege_type, gr.rolname))
                 FROM aclexplode(n.nspacl) g JOIN pg_roles gr ON gr.oid = g.grantee
                 WHERE g.grantee <> n.nspowner), '[]'::json) AS grants
FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
WHERE n.nspname IN ('vecs', 'vtopo') OR n.nspname = ANY(%(schema_names)s)
