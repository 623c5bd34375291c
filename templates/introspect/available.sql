-- What the server could install, and who we are (for preflight messages).
SELECT name, default_version, installed_version FROM pg_available_extensions
WHERE name IN ('vector', 'postgres_fdw')
