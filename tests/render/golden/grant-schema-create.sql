GRANT USAGE ON SCHEMA "vtopo" TO "marine_app";
