CREATE INDEX "ix_halfvec_cosine_ops_hnsw_m16_efc64_356b43b" ON "vecs"."corals" USING hnsw (vec halfvec_cosine_ops) WITH (ef_construction = 64, m = 16);
