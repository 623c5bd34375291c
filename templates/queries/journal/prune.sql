-- Keep the most recent entries per database; older applies are dropped from the journal.
DELETE FROM vtopo._apply_journal j
USING (SELECT apply_id, database,
              row_number() OVER (PARTITION BY database ORDER BY apply_started_at DESC, updated_at DESC) AS position
       FROM vtopo._apply_journal) ranked
WHERE ranked.apply_id = j.apply_id AND ranked.database = j.database AND ranked.position > %(keep)s
