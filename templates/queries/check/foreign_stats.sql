-- Foreign tables of vtopo on the primary: have they statistics? (reltuples -1: never analyzed)
SELECT c.relname AS name, c.reltuples::bigint AS reltuples,
       EXISTS (SELECT 1 FROM pg_statistic s WHERE s.starelid = c.oid) AS has_column_stats
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'vtopo'
WHERE c.relkind = 'f'
