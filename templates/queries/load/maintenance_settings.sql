-- What the server allows an index build: memory (bytes) and parallel maintenance workers.
SELECT pg_size_bytes(current_setting('maintenance_work_mem')) AS memory,
       current_setting('max_parallel_maintenance_workers')::int AS workers,
       current_setting('max_parallel_workers')::int AS worker_cap
