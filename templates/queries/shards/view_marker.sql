-- The marker of a view on the primary (a sharded collection's holds its bucket map).
SELECT obj_description(to_regclass(%(view)s), 'pg_class') AS comment
