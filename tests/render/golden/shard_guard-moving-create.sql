CREATE OR REPLACE FUNCTION "vtopo"."corals__guard"() RETURNS trigger LANGUAGE plpgsql AS $guard$
DECLARE
    row_id text := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
    RAISE EXCEPTION USING
        ERRCODE = 'VT409',
        MESSAGE = format('vtopo: shard %s of collection %s does not take this %s: id %s is in bucket %s, which %s',
                         TG_ARGV[1], TG_ARGV[0], lower(TG_OP), quote_literal(row_id), mod(('x' || substr(md5("row_id"), 1, 8))::bit(32)::bigint, 256)::integer,
                         CASE WHEN TG_OP = 'DELETE' THEN 'a rebalance is copying to another shard now'
                              ELSE 'another shard holds, or a rebalance is moving now' END),
        HINT = 'write through vtopo (its Python API and vtopo load send each id to the shard that holds its bucket, and wait out a move), or retry in a few seconds';
END
$guard$;
CREATE OR REPLACE TRIGGER vtopo_guard_write BEFORE INSERT OR UPDATE ON "vecs"."corals" FOR EACH ROW
    WHEN (get_bit(B'1100010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000001'::bit(256), mod(('x' || substr(md5(NEW."id"), 1, 8))::bit(32)::bigint, 256)::integer) = 0 AND current_setting('vtopo.rebalancing', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION "vtopo"."corals__guard"('corals', 'reef');
CREATE OR REPLACE TRIGGER vtopo_guard_delete BEFORE DELETE ON "vecs"."corals" FOR EACH ROW
    WHEN (get_bit(B'0011000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000'::bit(256), mod(('x' || substr(md5(OLD."id"), 1, 8))::bit(32)::bigint, 256)::integer) = 1 AND current_setting('vtopo.rebalancing', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION "vtopo"."corals__guard"('corals', 'reef');
COMMENT ON TRIGGER vtopo_guard_write ON "vecs"."corals" IS 'vtopo:{"format":1,"frozen":[2,3],"writable":[0,1,5,200,255]}';
