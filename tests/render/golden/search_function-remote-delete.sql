DROP FUNCTION IF EXISTS "public"."match_corals"(halfvec, integer, jsonb);
