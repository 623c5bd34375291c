DROP OWNED BY "marine_app";
DROP ROLE IF EXISTS "marine_app";
