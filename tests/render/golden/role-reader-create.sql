CREATE ROLE "reef_reader" LOGIN NOINHERIT CONNECTION LIMIT -1 PASSWORD '(sensitive)';
COMMENT ON ROLE "reef_reader" IS 'vtopo:{"database":"reefdb","purpose":"reader","topology":"tides"}';
