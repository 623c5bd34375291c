DROP VIEW IF EXISTS "vtopo"."corals";
