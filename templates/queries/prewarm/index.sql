-- Load a vector index of vecs into shared buffers; how many blocks that read.
SELECT pg_prewarm(to_regclass(format('%%I.%%I', 'vecs', %(index)s::text))) AS blocks
