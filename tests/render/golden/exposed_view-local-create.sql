CREATE VIEW "api"."tides" WITH (security_invoker = true) AS SELECT id, vec AS embedding, metadata, (metadata ->> 'station') AS "station" FROM "vecs"."tides";
COMMENT ON VIEW "api"."tides" IS 'vtopo:{"collection":"tides","source":["vecs","tides"]}';
