DROP TRIGGER IF EXISTS vtopo_guard_write ON "vecs"."corals";
DROP TRIGGER IF EXISTS vtopo_guard_delete ON "vecs"."corals";
DROP FUNCTION IF EXISTS "vtopo"."corals__guard"();
