CREATE INDEX "vtopo_md_corals_bigint" ON "vecs"."corals" ((CASE WHEN jsonb_typeof(metadata -> 'bigint') = 'number' AND (metadata -> 'bigint')::numeric = trunc((metadata -> 'bigint')::numeric) AND abs((metadata -> 'bigint')::numeric) <= 9223372036854775807 THEN (metadata -> 'bigint')::bigint END));
COMMENT ON INDEX "vecs"."vtopo_md_corals_bigint" IS 'vtopo:{"field":"bigint","type":"bigint"}';
