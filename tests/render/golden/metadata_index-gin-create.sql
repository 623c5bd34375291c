CREATE INDEX "ix_meta_8b249f4" ON "vecs"."corals" USING gin (metadata jsonb_path_ops);
