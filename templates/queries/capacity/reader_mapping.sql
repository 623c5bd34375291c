-- The role the primary logs in as on a secondary: the user of its foreign server's mapping.
SELECT option_value AS reader
FROM pg_user_mappings m, pg_options_to_table(m.umoptions)
WHERE m.srvname = %(server)s AND option_name = 'user'
LIMIT 1
