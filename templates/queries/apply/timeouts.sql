SELECT set_config('lock_timeout', %(lock_timeout)s, %(local)s), set_config('statement_timeout', %(statement_timeout)s, %(local)s)
