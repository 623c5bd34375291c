CREATE INDEX "vtopo_md_corals_integer" ON "vecs"."corals" ((CASE WHEN jsonb_typeof(metadata -> 'integer') = 'number' AND (metadata -> 'integer')::numeric = trunc((metadata -> 'integer')::numeric) AND abs((metadata -> 'integer')::numeric) <= 2147483647 THEN (metadata -> 'integer')::integer END));
COMMENT ON INDEX "vecs"."vtopo_md_corals_integer" IS 'vtopo:{"field":"integer","type":"integer"}';
