-- Is pg_buffercache installed in this database (cached fractions can be measured)?
SELECT 1 AS installed FROM pg_extension WHERE extname = 'pg_buffercache'
