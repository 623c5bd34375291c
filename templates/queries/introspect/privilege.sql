-- Who vtopo runs as, and what that role may read.
SELECT current_user AS user_name, current_database() AS database, r.rolsuper AS superuser,
       has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS can_read_authid,
       current_setting('server_version_num')::int AS server_version
FROM pg_roles r WHERE r.rolname = current_user
