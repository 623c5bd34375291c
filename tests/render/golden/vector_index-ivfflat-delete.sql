DROP INDEX IF EXISTS "vecs"."ix_vector_l2_ops_ivfflat_nl100_1086996";
