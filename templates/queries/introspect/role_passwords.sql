-- SCRAM verifiers, to tell whether a reader role's password changed (superusers only).
SELECT rolname AS name, rolpassword AS verifier FROM pg_authid WHERE rolname = ANY(%(role_names)s)
