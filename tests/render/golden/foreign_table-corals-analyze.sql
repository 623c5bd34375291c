ANALYZE "vtopo"."corals";
