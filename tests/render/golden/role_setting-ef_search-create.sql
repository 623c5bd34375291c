ALTER ROLE "reef_reader" SET hnsw.ef_search = '80';
