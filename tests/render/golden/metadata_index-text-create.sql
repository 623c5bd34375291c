CREATE INDEX "vtopo_md_corals_text" ON "vecs"."corals" ((metadata ->> 'text'));
COMMENT ON INDEX "vecs"."vtopo_md_corals_text" IS 'vtopo:{"field":"text","type":"text"}';
