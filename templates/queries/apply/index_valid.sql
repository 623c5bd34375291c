-- Did a concurrent index build produce a valid index?
SELECT ix.indisvalid AS valid FROM pg_index ix
WHERE ix.indexrelid = to_regclass(format('%%I.%%I', 'vecs', %(name)s::text))
