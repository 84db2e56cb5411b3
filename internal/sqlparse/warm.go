package sqlparse

// warmSQL holds statements of the kinds migrations are mostly made of.
const warmSQL = `BEGIN;
SET lock_timeout = '2s';
CREATE TABLE t (id bigint PRIMARY KEY, a text NOT NULL DEFAULT 'x', b int REFERENCES u (id) ON DELETE CASCADE,
  c timestamptz DEFAULT now(), CONSTRAINT t_a_key UNIQUE (a), CHECK (b > 0));
ALTER TABLE t ADD COLUMN d jsonb, ALTER COLUMN a TYPE varchar(10), ALTER COLUMN b SET NOT NULL, DROP COLUMN c,
  ADD CONSTRAINT t_b_fkey FOREIGN KEY (b) REFERENCES u (id) NOT VALID;
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON t USING btree (lower(a)) WHERE b IS NOT NULL;
INSERT INTO t (id, a) VALUES (1, 'a'), (2, NULL::text) ON CONFLICT (id) DO UPDATE SET a = excluded.a RETURNING id;
INSERT INTO t SELECT id, a FROM u WHERE id IN (SELECT id FROM v);
UPDATE t SET a = 'y' FROM u WHERE t.id = u.id AND u.a LIKE '%x';
DELETE FROM t WHERE id = 1;
CREATE VIEW w AS SELECT t.*, count(*) OVER () FROM t JOIN u USING (id) GROUP BY 1 ORDER BY 2 LIMIT 3;
CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql AS $$ SELECT x + 1 $$;
COMMENT ON TABLE t IS 'c';
DROP INDEX IF EXISTS t_a_idx;
DROP TABLE t CASCADE;
COMMIT;`

// Warm parses a few statements of the common kinds, so that the one-time
// setup of the parser's first use in a process (pg_query's protobuf
// descriptors and the decoders of each node type, a few milliseconds) is
// done. Commands run it in the background while they read their files.
func Warm() { Parse(warmSQL) }
