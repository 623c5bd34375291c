GRANT SELECT ON TABLE "public"."corals" TO "marine_app";
