ALTER ROLE "reef_reader" WITH LOGIN CONNECTION LIMIT -1 PASSWORD '(sensitive)';
COMMENT ON ROLE "reef_reader" IS 'vtopo:{"database":"reefdb","purpose":"reader","topology":"tides"}';
