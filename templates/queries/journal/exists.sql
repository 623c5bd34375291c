-- Is there a journal to read? (vtopo status on a primary no apply has run against yet)
SELECT to_regclass('vtopo._apply_journal') IS NOT NULL AS present
