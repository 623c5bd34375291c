-- transactional=false role=ddl
DROP INDEX CONCURRENTLY IF EXISTS "vecs"."vtopo_md_corals_o_brien";
