CREATE ROLE "marine_app" NOLOGIN;
COMMENT ON ROLE "marine_app" IS 'vtopo:{"purpose":"grantee"}';
