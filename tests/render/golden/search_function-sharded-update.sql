DO $check$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'dblink' AND n.nspname <> 'vtopo') THEN
    RAISE EXCEPTION 'extension dblink is installed outside schema vtopo; vtopo''s search functions need it there (ALTER EXTENSION dblink SET SCHEMA vtopo)';
  END IF;
END $check$;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA vtopo;
CREATE OR REPLACE FUNCTION "public"."match_corals"(query_embedding halfvec(384), match_count integer DEFAULT 10, filter jsonb DEFAULT '{}')
RETURNS TABLE (id character varying, distance double precision, similarity double precision, metadata jsonb, "text" text, "integer" integer, "bigint" bigint, "numeric" numeric, "boolean" boolean, "timestamptz" timestamp with time zone, "o_brien" text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
#variable_conflict use_column
DECLARE
  connections constant text[] := ARRAY['vtopo:vtopo_reef_a', 'vtopo:vtopo_reef_b'];
  servers constant text[] := ARRAY['vtopo_reef_a', 'vtopo_reef_b'];
  prepares text[];
  statements text[];
  names text[];
  tracked text;
  prefix text;
  timed boolean;
BEGIN
  IF query_embedding IS NULL OR cardinality(query_embedding::real[]) <> 384 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: query_embedding must have %s dimensions, got %s', 'public.match_corals', 384, coalesce(cardinality(query_embedding::real[])::text, 'null'));
  END IF;
  IF match_count IS NULL OR match_count < 1 OR match_count > 1000 THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: match_count must be between 1 and %s, got %s', 'public.match_corals', 1000, coalesce(match_count::text, 'null'));
  END IF;
  IF filter IS NULL OR jsonb_typeof(filter) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = format('%s: filter must be a JSON object, got %s', 'public.match_corals', coalesce(jsonb_typeof(filter), 'null'));
  END IF;

  timed := current_setting('statement_timeout') <> '0';
  prefix := CASE WHEN timed THEN format('SELECT set_config(''statement_timeout'', CASE WHEN current_setting(''statement_timeout'')::interval = interval ''0'' OR %1$L::interval < current_setting(''statement_timeout'')::interval THEN %1$L ELSE current_setting(''statement_timeout'') END, true); ', current_setting('statement_timeout')) ELSE '' END;
  -- match_count is an integer the checks bounded: format's %s is safe for it.
  IF filter = '{}'::jsonb THEN
    names[1] := format('vtopo_153e1898c1ca_s1_m%s', match_count);
    prepares[1] := format('PREPARE %I (halfvec) AS ' || 'SELECT id, (embedding <-> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals"' || ' ORDER BY embedding <-> $1 LIMIT %s', names[1], match_count);
    statements[1] := prefix || format('EXECUTE %I(%L)', names[1], query_embedding);
    names[2] := format('vtopo_153e1898c1ca_s2_m%s', match_count);
    prepares[2] := format('PREPARE %I (halfvec) AS ' || 'SELECT id, (embedding <-> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals"' || ' WHERE vtopo_bucket = ANY (''{3,4}''::integer[]) ORDER BY embedding <-> $1 LIMIT %s', names[2], match_count);
    statements[2] := prefix || format('EXECUTE %I(%L)', names[2], query_embedding);
  ELSE
    names[1] := format('vtopo_153e1898c1ca_s1_f%s', match_count);
    prepares[1] := format('PREPARE %I (halfvec, jsonb) AS ' || 'SELECT id, (embedding <-> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals"' || ' WHERE metadata @> $2 ORDER BY embedding <-> $1 LIMIT %s', names[1], match_count);
    statements[1] := prefix || format('EXECUTE %I(%L, %L)', names[1], query_embedding, filter);
    names[2] := format('vtopo_153e1898c1ca_s2_f%s', match_count);
    prepares[2] := format('PREPARE %I (halfvec, jsonb) AS ' || 'SELECT id, (embedding <-> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals"' || ' WHERE metadata @> $2 AND vtopo_bucket = ANY (''{3,4}''::integer[]) ORDER BY embedding <-> $1 LIMIT %s', names[2], match_count);
    statements[2] := prefix || format('EXECUTE %I(%L, %L)', names[2], query_embedding, filter);
  END IF;
  -- At most: send to every shard, and once more on fresh connections.
  FOR attempt IN 1..2 LOOP
    BEGIN
      FOR i IN 1..cardinality(connections) LOOP
        IF connections[i] <> ALL (coalesce(vtopo.dblink_get_connections(), '{}')) THEN
          PERFORM vtopo.dblink_connect(connections[i], servers[i]);
          PERFORM * FROM vtopo.dblink(connections[i], 'SELECT set_config(''search_path'', (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ''vector'') || '', pg_catalog'', false)') AS p(path text);
          PERFORM set_config('vtopo.prepared_' || md5(connections[i]), '', false);
        END IF;
        tracked := coalesce(current_setting('vtopo.prepared_' || md5(connections[i]), true), '');
        IF position(' ' || names[i] || ' ' IN tracked) = 0 THEN
          PERFORM vtopo.dblink_exec(connections[i], prepares[i]);
          PERFORM set_config('vtopo.prepared_' || md5(connections[i]), tracked || ' ' || names[i] || ' ', false);
        END IF;
        IF vtopo.dblink_send_query(connections[i], statements[i]) <> 1 THEN
          RAISE EXCEPTION USING ERRCODE = '08006', MESSAGE = vtopo.dblink_error_message(connections[i]);
        END IF;
      END LOOP;
      IF timed THEN
        FOR i IN 1..cardinality(connections) LOOP
          PERFORM * FROM vtopo.dblink_get_result(connections[i]) AS t(timeout text);  -- set_config's answer
        END LOOP;
      END IF;
      RETURN QUERY SELECT r.id, r.distance, 1 / (1 + r.distance), r.metadata, r."text", r."integer", r."bigint", r."numeric", r."boolean", r."timestamptz", r."o_brien" FROM (
        SELECT * FROM vtopo.dblink_get_result(connections[1]) AS t(id character varying, distance double precision, metadata jsonb, "text" text, "integer" integer, "bigint" bigint, "numeric" numeric, "boolean" boolean, "timestamptz" timestamp with time zone, "o_brien" text) UNION ALL
        SELECT * FROM vtopo.dblink_get_result(connections[2]) AS t(id character varying, distance double precision, metadata jsonb, "text" text, "integer" integer, "bigint" bigint, "numeric" numeric, "boolean" boolean, "timestamptz" timestamp with time zone, "o_brien" text)
      ) AS r ORDER BY r.distance LIMIT match_count;
      FOR i IN 1..cardinality(connections) LOOP
        PERFORM * FROM vtopo.dblink_get_result(connections[i], false) AS t(status text);  -- the end of the results
      END LOOP;
      RETURN;
    EXCEPTION
      WHEN query_canceled THEN
        FOR i IN 1..cardinality(connections) LOOP
          PERFORM vtopo.dblink_cancel_query(connections[i]) WHERE connections[i] = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
          PERFORM vtopo.dblink_disconnect(connections[i]) WHERE connections[i] = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
        END LOOP;
        RAISE;
      WHEN OTHERS THEN
        -- A lost connection, a statement another function's reconnect dropped, a shard that
        -- restarted: every shard's connection anew, once.
        FOR i IN 1..cardinality(connections) LOOP
          PERFORM vtopo.dblink_disconnect(connections[i]) WHERE connections[i] = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
        END LOOP;
        IF attempt = 2 THEN
          RAISE;
        END IF;
    END;
  END LOOP;
END
$body$;
COMMENT ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) IS 'vtopo:{"collection":"corals","columns":[["id","character varying"],["embedding","halfvec(384)"],["metadata","jsonb"],["text","text"],["integer","integer"],["bigint","bigint"],["numeric","numeric"],["boolean","boolean"],["timestamptz","timestamp with time zone"],["o_brien","text"]],"dimension":384,"fields":{"bigint":"bigint","boolean":"boolean","integer":"integer","numeric":"numeric","o_brien":"text","text":"text","timestamptz":"timestamptz"},"format":4,"grant":["marine_app"],"measure":"l2","security_definer":true,"server":null,"shards":[{"buckets":[0,1,2,5],"filtered":false,"server":"vtopo_reef_a"},{"buckets":[3,4],"filtered":true,"server":"vtopo_reef_b"}],"source":["vtopo","corals__reef_a"],"vector_type":"halfvec","view":"public.corals"}';
REVOKE ALL ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) TO "marine_app";
