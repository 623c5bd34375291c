REVOKE USAGE ON SCHEMA "vtopo" FROM "marine_app";
