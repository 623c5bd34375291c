-- One database's state in one apply (insert, or update after its next phase).
INSERT INTO vtopo._apply_journal AS j
    (apply_id, database, status, steps_planned, steps_done, failed_step, error, rolled_back,
     apply_started_at, updated_at, finished_at, topology, environment, targets, applied_by, vtopo_version)
VALUES
    (%(apply_id)s, %(database)s, %(status)s, %(steps_planned)s, %(steps_done)s::jsonb, %(failed_step)s, %(error)s, %(rolled_back)s,
     %(apply_started_at)s, clock_timestamp(), CASE WHEN %(finished)s THEN clock_timestamp() END,
     %(topology)s, %(environment)s, %(targets)s::jsonb, %(applied_by)s, %(vtopo_version)s)
ON CONFLICT (apply_id, database) DO UPDATE SET
    status = EXCLUDED.status,
    steps_done = EXCLUDED.steps_done,
    failed_step = EXCLUDED.failed_step,
    error = EXCLUDED.error,
    rolled_back = EXCLUDED.rolled_back,
    updated_at = EXCLUDED.updated_at,
    finished_at = COALESCE(j.finished_at, EXCLUDED.finished_at)
