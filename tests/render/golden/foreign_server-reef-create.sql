CREATE SERVER "vtopo_reef" FOREIGN DATA WRAPPER postgres_fdw OPTIONS ("dbname" 'reefdb', "extensions" 'vector', "fetch_size" '100', "host" 'reef.internal', "port" '6543', "use_remote_estimate" 'false');
COMMENT ON SERVER "vtopo_reef" IS 'vtopo:{"database":"reef"}';
