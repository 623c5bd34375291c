DROP INDEX IF EXISTS "vecs"."ix_halfvec_cosine_ops_hnsw_m16_efc64_356b43b";
