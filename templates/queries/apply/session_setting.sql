-- One setting for this session (local: until the transaction ends); returns the value it replaced.
SELECT current_setting(%(name)s) AS previous, set_config(%(name)s, %(value)s, %(local)s) AS now
