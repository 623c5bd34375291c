COMMENT ON SERVER "vtopo_reef" IS 'vtopo:{"database":"reef_two"}';
