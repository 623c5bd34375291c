-- Indexes on the tables in schema vecs (vector, metadata GIN, promoted-field indexes).
SELECT t.relname AS table_name, i.relname AS name, am.amname AS method, ix.indisvalid AS valid,
       ix.indisprimary AS is_primary, i.reloptions AS options,
       obj_description(i.oid, 'pg_class') AS comment,
       (SELECT array_agg(opc.opcname ORDER BY k.ord)
          FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS k(oid, ord)
          JOIN pg_opclass opc ON opc.oid = k.oid) AS opclasses,
       (SELECT array_agg(COALESCE(a.attname, '') ORDER BY k.ord)
          FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
          LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'vecs'
JOIN pg_am am ON am.oid = i.relam
ORDER BY t.relname, i.relname
