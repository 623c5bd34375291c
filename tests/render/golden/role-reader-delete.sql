DROP OWNED BY "reef_reader";
DROP ROLE IF EXISTS "reef_reader";
