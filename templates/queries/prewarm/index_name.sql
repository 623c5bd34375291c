-- A collection's valid vector index.
SELECT c.relname AS index_name
FROM pg_index x
JOIN pg_class c ON c.oid = x.indexrelid
JOIN pg_am am ON am.oid = c.relam
WHERE x.indrelid = to_regclass(%(table)s) AND am.amname IN ('hnsw', 'ivfflat') AND x.indisvalid
