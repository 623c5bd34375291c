-- Ordinary tables in schema vecs with a vec column: what the Vecs client calls collections
-- (the comment holds vtopo's mark on those it created).
SELECT c.relname AS name, t.typname AS type, a.atttypmod AS dimension, c.reltuples::bigint AS rows_estimate,
       obj_description(c.oid, 'pg_class') AS comment,
       COALESCE((SELECT json_agg(json_build_array(g.privilege_type, gr.rolname))
                 FROM aclexplode(c.relacl) g JOIN pg_roles gr ON gr.oid = g.grantee
                 WHERE g.grantee <> c.relowner), '[]'::json) AS grants
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'vecs'
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'vec' AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
WHERE c.relkind = 'r'
