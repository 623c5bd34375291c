-- The journal is bookkeeping: it must never hang an apply or `vtopo status`.
SELECT set_config('lock_timeout', '5s', false), set_config('statement_timeout', '15s', false),
       set_config('application_name', %(application_name)s, false)
