DROP VIEW IF EXISTS "public"."corals";
