-- transactional=false role=analyze
ANALYZE "vtopo"."corals";
