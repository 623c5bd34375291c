-- The vector indexes (hnsw, ivfflat) of one collection table: valid or not, and their definition.
SELECT c.relname AS name, ix.indisvalid AS valid, am.amname AS method, c.reloptions AS options,
       (SELECT opc.opcname FROM pg_opclass opc WHERE opc.oid = ix.indclass[0]) AS opclass
FROM pg_index ix
JOIN pg_class c ON c.oid = ix.indexrelid
JOIN pg_am am ON am.oid = c.relam
WHERE ix.indrelid = to_regclass(format('%%I.%%I', 'vecs', %(table)s::text))
  AND am.amname IN ('hnsw', 'ivfflat')
