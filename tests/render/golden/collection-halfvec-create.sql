CREATE TABLE "vecs"."corals" (
    id character varying NOT NULL,
    vec halfvec(384) NOT NULL,
    metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (id)
);
COMMENT ON TABLE "vecs"."corals" IS 'vtopo:{"collection":"corals"}';
