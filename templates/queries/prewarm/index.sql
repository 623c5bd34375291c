-- Load a collection's vector index into shared buffers; how many of its blocks that read.
SELECT c.relname AS index_name, pg_prewarm(c.oid) AS blocks, pg_relation_size(c.oid) / current_setting('block_size')::bigint AS size_blocks
FROM pg_index x
JOIN pg_class c ON c.oid = x.indexrelid
JOIN pg_am am ON am.oid = c.relam
WHERE x.indrelid = to_regclass(%(table)s) AND am.amname IN ('hnsw', 'ivfflat') AND x.indisvalid
