CREATE VIEW "public"."corals" WITH (security_invoker = true) AS SELECT "id", "embedding", "metadata", "text", "integer", "bigint", "numeric", "boolean", "timestamptz", "o_brien" FROM "vtopo"."corals";
COMMENT ON VIEW "public"."corals" IS 'vtopo:{"collection":"corals","source":["vtopo","corals"]}';
