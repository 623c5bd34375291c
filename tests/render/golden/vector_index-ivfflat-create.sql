CREATE INDEX "ix_vector_l2_ops_ivfflat_nl100_1086996" ON "vecs"."shells" USING ivfflat (vec vector_l2_ops) WITH (lists = 100);
