DROP TABLE "vecs"."corals";
