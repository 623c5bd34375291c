-- Exact row counts of the collections a plan would drop or rebuild (one query for all).
SELECT c.relname AS name,
       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %%I.%%I', 'vecs', c.relname), false, true, '')))[1]::text::bigint AS rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'vecs'
WHERE c.relkind = 'r' AND c.relname = ANY(%(names)s)
