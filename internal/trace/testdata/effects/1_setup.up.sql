CREATE TABLE t (id bigint PRIMARY KEY, i int, s text);
INSERT INTO t SELECT g, g, 'x' FROM generate_series(1, 1000) g;
-- gate lets the test hold VACUUM FULL up while it rebuilds t_gate, under
-- its ACCESS EXCLUSIVE lock on t, until the lock was sampled.
CREATE FUNCTION gate(v text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	PERFORM pg_advisory_xact_lock_shared(4242);
	RETURN v;
END $$;
CREATE INDEX t_gate ON t (gate(s));
CREATE DOMAIN posint AS int;
CREATE TABLE d (v posint);
INSERT INTO d VALUES (1);
CREATE TABLE p (k int) PARTITION BY RANGE (k);
CREATE TABLE p_def PARTITION OF p DEFAULT;
INSERT INTO p VALUES (50);
CREATE TABLE p_new (k int);
