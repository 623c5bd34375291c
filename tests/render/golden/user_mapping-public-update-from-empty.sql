ALTER USER MAPPING FOR PUBLIC SERVER "vtopo_reef" OPTIONS (ADD user 'reef_reader', ADD password '(sensitive)');
