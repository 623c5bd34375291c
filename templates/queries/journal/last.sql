-- The last apply that touched each database.
SELECT DISTINCT ON (database)
       apply_id, database, status, steps_planned, steps_done, failed_step, error, rolled_back,
       apply_started_at, updated_at, finished_at, topology, environment, targets, applied_by, vtopo_version
FROM vtopo._apply_journal
WHERE database = ANY(%(databases)s)
ORDER BY database, apply_started_at DESC, updated_at DESC
