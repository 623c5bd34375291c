DROP INDEX IF EXISTS "vecs"."ix_meta_8b249f4";
