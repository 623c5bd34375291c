-- transactional=false role=index index_name=vtopo_md_corals_o_brien_1
CREATE INDEX CONCURRENTLY "vtopo_md_corals_o_brien_1" ON "vecs"."corals" ((metadata ->> 'o_brien'));
-- transactional=false role=ddl
COMMENT ON INDEX "vecs"."vtopo_md_corals_o_brien_1" IS 'vtopo:{"field":"o_brien","type":"text"}';
-- transactional=false role=ddl
DROP INDEX CONCURRENTLY IF EXISTS "vecs"."vtopo_md_corals_o_brien";
