-- A session setting for the index build (values travel as parameters).
SELECT set_config(%(name)s, %(value)s, false)
