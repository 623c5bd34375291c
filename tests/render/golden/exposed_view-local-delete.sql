DROP VIEW IF EXISTS "api"."tides";
