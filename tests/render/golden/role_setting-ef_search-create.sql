ALTER ROLE "reef_reader" IN DATABASE "reefdb" SET hnsw.ef_search = '80';
