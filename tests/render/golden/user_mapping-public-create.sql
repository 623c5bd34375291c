CREATE USER MAPPING FOR PUBLIC SERVER "vtopo_reef" OPTIONS (user 'reef_reader', password '(sensitive)');
