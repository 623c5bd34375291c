CREATE INDEX "vtopo_md_corals_numeric" ON "vecs"."corals" ((CASE WHEN jsonb_typeof(metadata -> 'numeric') = 'number' THEN (metadata -> 'numeric')::numeric END));
COMMENT ON INDEX "vecs"."vtopo_md_corals_numeric" IS 'vtopo:{"field":"numeric","type":"numeric"}';
