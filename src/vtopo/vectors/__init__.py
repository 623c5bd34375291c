"""Vectors and records as `vtopo load` and the query API both handle them.

One copy of the checks (dimension, finite numbers, id, metadata JSON), the
wire encodings (pgvector text and binary, COPY binary) and the staging table,
so a bad record gets the same words wherever it comes from, and neither
`load` nor `query` has to import the other for them.
"""
