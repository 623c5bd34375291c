DROP SERVER IF EXISTS "vtopo_reef";
