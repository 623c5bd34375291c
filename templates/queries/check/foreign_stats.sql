-- Foreign tables of vtopo on the primary: their statistics (vtopo pins them: kinds/foreign_table.py).
SELECT c.relname AS name, c.reltuples AS reltuples, c.relpages AS relpages,
       EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS has_column_stats
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'vtopo'
WHERE c.relkind = 'f'
