-- The server's memory settings, in bytes, and whether pg_buffercache can say what is cached.
SELECT current_database() AS dbname,
       pg_size_bytes(current_setting('shared_buffers')) AS shared_buffers,
       pg_size_bytes(current_setting('effective_cache_size')) AS effective_cache_size,
       pg_size_bytes(current_setting('maintenance_work_mem')) AS maintenance_work_mem,
       current_setting('block_size')::integer AS block_size,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_buffercache') AS buffercache_installed,
       EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_buffercache') AS buffercache_available
