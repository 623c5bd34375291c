-- The indexes of collection tables vecs.<name> on a replica, and whether each is valid.
SELECT c.relname AS collection, i.relname AS index_name, x.indisvalid AS valid
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class c ON c.oid = x.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'vecs' AND c.relname = ANY(%(collections)s)
