CREATE ROLE "reef_reader" LOGIN NOINHERIT PASSWORD '(sensitive)';
COMMENT ON ROLE "reef_reader" IS 'vtopo:{"purpose":"reader"}';
