-- transactional=false role=index index_name=ix_halfvec_cosine_ops_hnsw_m32_efc128_5e1f0aa
CREATE INDEX CONCURRENTLY "ix_halfvec_cosine_ops_hnsw_m32_efc128_5e1f0aa" ON "vecs"."corals" USING hnsw (vec halfvec_cosine_ops) WITH (ef_construction = 128, m = 32);
-- transactional=false role=ddl
DROP INDEX CONCURRENTLY IF EXISTS "vecs"."ix_halfvec_cosine_ops_hnsw_m16_efc64_356b43b";
