CREATE INDEX "vtopo_md_corals_timestamptz" ON "vecs"."corals" ((CASE WHEN jsonb_typeof(metadata -> 'timestamptz') = 'string' AND pg_input_is_valid(metadata ->> 'timestamptz', 'timestamptz') THEN (metadata ->> 'timestamptz')::timestamptz END));
COMMENT ON INDEX "vecs"."vtopo_md_corals_timestamptz" IS 'vtopo:{"field":"timestamptz","type":"timestamptz"}';
