-- What the server could install, and who we are (for preflight messages).
-- install_schema: where this session's CREATE EXTENSION (no SCHEMA clause) would put it.
SELECT name, default_version, installed_version, current_schema() AS install_schema FROM pg_available_extensions
WHERE name IN ('vector', 'postgres_fdw', 'dblink', 'pg_prewarm')
