ALTER USER MAPPING FOR PUBLIC SERVER "vtopo_reef" OPTIONS (SET user 'reef_reader', SET password '(sensitive)');
