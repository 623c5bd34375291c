DROP FUNCTION IF EXISTS "api"."find_tides"(vector, integer, jsonb);
