-- vtopo's write guards on the tables in schema vecs (the shards of sharded collections): the
-- write trigger's comment holds the buckets it takes; the delete trigger must be there too.
SELECT c.relname AS table_name, t.tgname AS name, obj_description(t.oid, 'pg_trigger') AS comment
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'vecs'
WHERE NOT t.tgisinternal AND t.tgname IN ('vtopo_guard_write', 'vtopo_guard_delete')
ORDER BY 1, 2
