-- The reader role's settings that hold in this database (for the database, then for every
-- database), and its connection limit.
SELECT r.rolconnlimit AS connection_limit,
       (SELECT array_agg(cfg ORDER BY s.setdatabase DESC)
        FROM pg_db_role_setting s, unnest(s.setconfig) cfg
        WHERE s.setrole = r.oid
          AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))) AS settings
FROM pg_roles r
WHERE r.rolname = %(role)s
