-- How much of a collection's vector index sits in shared buffers (needs pg_buffercache).
SELECT c.relname AS index_name,
       (SELECT count(*) FROM pg_buffercache b
        WHERE b.relfilenode = pg_relation_filenode(c.oid)
          AND b.reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database())) AS cached_blocks,
       greatest(pg_relation_size(c.oid) / current_setting('block_size')::bigint, 1) AS size_blocks
FROM pg_index x
JOIN pg_class c ON c.oid = x.indexrelid
JOIN pg_am am ON am.oid = c.relam
WHERE x.indrelid = to_regclass(%(table)s) AND am.amname IN ('hnsw', 'ivfflat') AND x.indisvalid
