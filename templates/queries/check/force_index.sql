-- Inside the check's transaction: ask whether an index CAN serve the query, not whether
-- the planner prefers it on a table that is still small.
SELECT set_config('enable_seqscan', 'off', true)
