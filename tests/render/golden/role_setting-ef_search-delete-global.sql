ALTER ROLE "reef_reader" RESET hnsw.ef_search;
