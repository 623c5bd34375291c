-- transactional=false role=analyze
SELECT pg_catalog.pg_restore_relation_stats('schemaname', 'vtopo', 'relname', 'corals', 'reltuples', 1000000000::real, 'relpages', 10000000::integer);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'id', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'embedding', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'metadata', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'text', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'integer', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'bigint', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'numeric', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'boolean', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'timestamptz', false);
-- transactional=false role=analyze
SELECT pg_catalog.pg_clear_attribute_stats('vtopo', 'corals', 'o_brien', false);
