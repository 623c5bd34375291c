ALTER ROLE "reef_reader" IN DATABASE "reefdb" RESET hnsw.ef_search;
