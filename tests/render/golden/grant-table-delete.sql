REVOKE SELECT ON TABLE "public"."corals" FROM "marine_app";
