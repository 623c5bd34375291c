-- Sizes of the named collections in vecs and of each one's vector index (a valid one first,
-- then the largest, when a replacement is in flight). reltuples is -1 before the first ANALYZE or VACUUM.
SELECT c.relname AS name,
       nullif(c.reltuples, -1)::bigint AS rows_estimate,
       pg_table_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS indexes_bytes,
       vi.index_name AS vector_index,
       vi.method AS vector_index_method,
       vi.bytes AS vector_index_bytes,
       vi.valid AS vector_index_valid,
       vi.filenode AS vector_index_filenode
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (
    SELECT i.relname AS index_name, am.amname AS method, pg_relation_size(i.oid) AS bytes,
           x.indisvalid AS valid, pg_relation_filenode(i.oid) AS filenode
    FROM pg_index x
    JOIN pg_class i ON i.oid = x.indexrelid
    JOIN pg_am am ON am.oid = i.relam
    WHERE x.indrelid = c.oid AND am.amname IN ('hnsw', 'ivfflat')
    ORDER BY x.indisvalid DESC, pg_relation_size(i.oid) DESC
    LIMIT 1
) vi ON true
WHERE n.nspname = 'vecs' AND c.relkind = 'r' AND c.relname = ANY (%(names)s)
ORDER BY c.relname
