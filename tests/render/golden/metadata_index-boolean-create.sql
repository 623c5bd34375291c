CREATE INDEX "vtopo_md_corals_boolean" ON "vecs"."corals" ((CASE WHEN jsonb_typeof(metadata -> 'boolean') = 'boolean' THEN (metadata -> 'boolean')::boolean END));
COMMENT ON INDEX "vecs"."vtopo_md_corals_boolean" IS 'vtopo:{"field":"boolean","type":"boolean"}';
