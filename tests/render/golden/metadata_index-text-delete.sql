DROP INDEX IF EXISTS "vecs"."vtopo_md_corals_text";
