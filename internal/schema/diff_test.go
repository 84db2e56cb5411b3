package schema_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/pgsafe/pgsafe/internal/schema"
)

func TestDiff(t *testing.T) {
	want := schema.New()
	replaySQL(t, want, `CREATE TABLE t (a int NOT NULL, b text DEFAULT 'x', c text);
		CREATE INDEX t_a_idx ON t (a);
		CREATE TABLE gone (id int);
		CREATE TYPE e AS ENUM ('x', 'y');
		CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
		CREATE TABLE tool_bookkeeping (v text);`)
	same := schema.New()
	replaySQL(t, same, `CREATE TABLE t (a int NOT NULL, b text DEFAULT 'y', c text);
		CREATE INDEX t_a_idx ON t (a);
		CREATE TABLE gone (id int);
		CREATE TYPE e AS ENUM ('x', 'y');
		CREATE FUNCTION f(integer) RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';`)
	assert.Empty(t, schema.Diff(same, want, "public.tool_bookkeeping"), "defaults and bodies are compared by presence only")

	got := schema.New()
	replaySQL(t, got, `CREATE TABLE t (a bigint, c text, b text);
		CREATE TABLE extra (id int);
		CREATE TYPE e AS ENUM ('x');`)
	assert.Equal(t, []string{
		"table public.gone: missing",
		"table public.t: columns: got [a c b], want [a b c]",
		"table public.extra: not expected",
		"functions: got [], want [public.f(int4)]",
		"enums: got [public.e(x)], want [public.e(x,y)]",
	}, schema.Diff(got, want, "public.tool_bookkeeping"))

	replaySQL(t, got, `ALTER TABLE t DROP COLUMN c; ALTER TABLE t ADD COLUMN c text;`)
	assert.Contains(t, schema.Diff(got, want), "table public.t: column a: got int8, want int4 not null")
	assert.Contains(t, schema.Diff(got, want), "table public.t: indexes: got [], want [t_a_idx(a)]")
}
