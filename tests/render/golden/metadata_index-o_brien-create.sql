CREATE INDEX "vtopo_md_corals_o_brien" ON "vecs"."corals" ((metadata ->> 'o_brien'));
COMMENT ON INDEX "vecs"."vtopo_md_corals_o_brien" IS 'vtopo:{"field":"o_brien","type":"text"}';
