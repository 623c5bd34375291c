DO $check$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'dblink' AND n.nspname <> 'vtopo') THEN
    RAISE EXCEPTION 'extension dblink is installed outside schema vtopo; vtopo''s search functions need it there (ALTER EXTENSION dblink SET SCHEMA vtopo)';
  END IF;
END $check$;
CREATE EXTENSION IF NOT EXISTS dblink SCHEMA vtopo;
CREATE FUNCTION "public"."match_corals"(query_embedding halfvec(384), match_count integer DEFAULT 10, filter jsonb DEFAULT '{}')
RETURNS TABLE (id character varying, distance double precision, similarity double precision, metadata jsonb, "text" text, "integer" integer, "bigint" bigint, "numeric" numeric, "boolean" boolean, "timestamptz" timestamp with time zone, "o_brien" text)
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $body$
#variable_conflict use_column
DECLARE
  -- One connection per primary session and secondary, shared by that secondary's search
  -- functions (each has its own statements on it): the fewest logins against a reader's
  -- connection limit.
  connection_name constant text := 'vtopo:vtopo_reef';
  statement text;
  preparation text;
  needs_prepare boolean := false;
  reconnected boolean := false;
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

  -- The caller's statement_timeout applies on the secondary too, for this search only (local
  -- to the query string's transaction), unless the reader role's own there is shorter: the
  -- pod's limit (databases.<name>.reader) is never raised by a caller.
  timed := current_setting('statement_timeout') <> '0';
  statement := CASE WHEN timed THEN format('SELECT set_config(''statement_timeout'', CASE WHEN current_setting(''statement_timeout'')::interval = interval ''0'' OR %1$L::interval < current_setting(''statement_timeout'')::interval THEN %1$L ELSE current_setting(''statement_timeout'') END, true); ', current_setting('statement_timeout')) ELSE '' END;
  -- match_count is an integer the checks bounded: format's %s is safe for it.
  IF filter = '{}'::jsonb THEN
    statement := statement || format('EXECUTE "vtopo_e17b91dedfc0_m%s"(%L)', match_count, query_embedding);
    preparation := format('PREPARE "vtopo_e17b91dedfc0_m%s" (halfvec) AS SELECT id, (embedding <=> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals" ORDER BY embedding <=> $1 LIMIT %s', match_count, match_count);
  ELSE
    statement := statement || format('EXECUTE "vtopo_e17b91dedfc0_f%s"(%L, %L)', match_count, query_embedding, filter);
    preparation := format('PREPARE "vtopo_e17b91dedfc0_f%s" (halfvec, jsonb) AS SELECT id, (embedding <=> $1)::double precision AS distance, metadata, "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals" WHERE metadata @> $2 ORDER BY embedding <=> $1 LIMIT %s', match_count, match_count);
  END IF;
  -- At most: prepare this match_count's statement, reconnect once, answer.
  FOR attempt IN 1..3 LOOP
    BEGIN
      IF connection_name <> ALL (coalesce(vtopo.dblink_get_connections(), '{}')) THEN
        PERFORM vtopo.dblink_connect(connection_name, 'vtopo_reef');
        PERFORM * FROM vtopo.dblink(connection_name, 'SELECT set_config(''search_path'', (SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = ''vector'') || '', pg_catalog'', false)') AS p(path text);
        needs_prepare := true;  -- a new session has no statements
      END IF;
      IF needs_prepare THEN
        PERFORM vtopo.dblink_exec(connection_name, preparation);
        needs_prepare := false;
      END IF;
      -- Sent and collected asynchronously: dblink_get_result's wait notices a cancel or a timeout
      -- on the primary (dblink()'s does not), so the handler below can stop the remote query.
      IF vtopo.dblink_send_query(connection_name, statement) <> 1 THEN
        RAISE EXCEPTION USING ERRCODE = '08006', MESSAGE = vtopo.dblink_error_message(connection_name);
      END IF;
      IF timed THEN
        PERFORM * FROM vtopo.dblink_get_result(connection_name) AS t(timeout text);  -- set_config's answer
      END IF;
      RETURN QUERY SELECT r.id, r.distance, 1 - r.distance, r.metadata, r."text", r."integer", r."bigint", r."numeric", r."boolean", r."timestamptz", r."o_brien"
        FROM vtopo.dblink_get_result(connection_name) AS r(id character varying, distance double precision, metadata jsonb, "text" text, "integer" integer, "bigint" bigint, "numeric" numeric, "boolean" boolean, "timestamptz" timestamp with time zone, "o_brien" text);
      PERFORM * FROM vtopo.dblink_get_result(connection_name, false) AS t(status text);  -- the end of the results
      RETURN;
    EXCEPTION
      WHEN query_canceled THEN
        -- A cancel or timeout on the primary, or a timeout on the secondary: stop the remote query
        -- and drop the connection (it may still be busy); the next call opens a new one.
        PERFORM vtopo.dblink_cancel_query(connection_name) WHERE connection_name = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
        PERFORM vtopo.dblink_disconnect(connection_name) WHERE connection_name = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
        RAISE;
      WHEN OTHERS THEN
        IF SQLSTATE = '26000' AND attempt = 1 THEN
          -- The first search of this shape and match_count on this connection: collect the end
          -- of the failed results, prepare, search again.
          PERFORM * FROM vtopo.dblink_get_result(connection_name, false) AS t(status text);
          needs_prepare := true;
          CONTINUE;
        END IF;
        -- A lost connection (the secondary restarted, the session was killed) or stale statements
        -- (the exposure view was replaced): reconnect once.
        PERFORM vtopo.dblink_disconnect(connection_name) WHERE connection_name = ANY (coalesce(vtopo.dblink_get_connections(), '{}'));
        IF reconnected THEN
          RAISE;
        END IF;
        reconnected := true;
    END;
  END LOOP;
END
$body$;
COMMENT ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) IS 'vtopo:{"collection":"corals","columns":[["id","character varying"],["embedding","halfvec(384)"],["metadata","jsonb"],["text","text"],["integer","integer"],["bigint","bigint"],["numeric","numeric"],["boolean","boolean"],["timestamptz","timestamp with time zone"],["o_brien","text"]],"dimension":384,"fields":{"bigint":"bigint","boolean":"boolean","integer":"integer","numeric":"numeric","o_brien":"text","text":"text","timestamptz":"timestamptz"},"format":4,"grant":["diver","marine_app"],"measure":"cosine","security_definer":true,"server":"vtopo_reef","source":["vtopo","corals"],"vector_type":"halfvec","view":"public.corals"}';
REVOKE ALL ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) TO "diver";
GRANT EXECUTE ON FUNCTION "public"."match_corals"(halfvec, integer, jsonb) TO "marine_app";
