CREATE FUNCTION "api"."find_tides"(query_embedding vector(2), match_count integer DEFAULT 10, filter jsonb DEFAULT '{}')
RETURNS TABLE (id character varying, distance double precision, similarity double precision, metadata jsonb, "station" text)
LANGUAGE plpgsql STABLE SECURITY INVOKER
SET search_path FROM CURRENT
AS $body$
#variable_conflict use_column
BEGIN
  IF query_embedding IS NULL OR cardinality(query_embedding::real[]) <> 2 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: query_embedding must have %s dimensions, got %s', 'api.find_tides', 2, coalesce(cardinality(query_embedding::real[])::text, 'null'));
  END IF;
  IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: match_count must be between 1 and %s, got %s', 'api.find_tides', 1000, coalesce(match_count::text, 'null'));
  END IF;
  IF filter IS NULL OR jsonb_typeof(filter) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: filter must be a JSON object, got %s', 'api.find_tides', coalesce(jsonb_typeof(filter), 'null'));
  END IF;

  IF filter = '{}'::jsonb THEN
    RETURN QUERY SELECT r.id, r.distance, -r.distance, r.metadata, r."station"
      FROM (SELECT id, (vec <#> query_embedding)::double precision AS distance, metadata, (metadata ->> 'station') AS "station" FROM "vecs"."tides" ORDER BY vec <#> query_embedding LIMIT match_count) AS r;
  ELSE
    -- Planned for the actual filter each time (a cached generic plan cannot see its selectivity).
    RETURN QUERY EXECUTE 'SELECT r.id, r.distance, -r.distance, r.metadata, r."station" FROM (SELECT id, (vec <#> $1)::double precision AS distance, metadata, (metadata ->> ''station'') AS "station" FROM "vecs"."tides" WHERE metadata @> $2 ORDER BY vec <#> $1 LIMIT $3) AS r' USING query_embedding, filter, match_count;
  END IF;
END
$body$;
COMMENT ON FUNCTION "api"."find_tides"(vector, integer, jsonb) IS 'vtopo:{"collection":"tides","columns":[["id","character varying"],["embedding","vector(2)"],["metadata","jsonb"],["station","text"]],"dimension":2,"fields":{"station":"text"},"format":4,"grant":[],"measure":"inner_product","security_definer":false,"server":null,"source":["vecs","tides"],"vector_type":"vector","view":"api.tides"}';
REVOKE ALL ON FUNCTION "api"."find_tides"(vector, integer, jsonb) FROM PUBLIC;
