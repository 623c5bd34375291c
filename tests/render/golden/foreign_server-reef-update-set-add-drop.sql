ALTER SERVER "vtopo_reef" OPTIONS (SET "fetch_size" '1000', ADD "sslmode" 'require', DROP "use_remote_estimate");
