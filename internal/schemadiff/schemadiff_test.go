package schemadiff

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

func TestNormalise(t *testing.T) {
	dump := "--\n-- PostgreSQL database dump\n--\n\\restrict abc\n\nSET statement_timeout = 0;\n\nCREATE TABLE public.t (\n    id integer\n);\n\n\\unrestrict abc\n"
	assert.Equal(t, "SET statement_timeout = 0;\nCREATE TABLE public.t (\n    id integer\n);", Normalise(dump))
}

func TestDiff(t *testing.T) {
	assert.Empty(t, Diff("a", "x\ny", "b", "x\ny"))
	d := Diff("original", "CREATE TABLE t;\nCREATE INDEX i;", "fixed", "CREATE TABLE t;")
	assert.Contains(t, d, "--- original")
	assert.Contains(t, d, "+++ fixed")
	assert.Contains(t, d, "-CREATE INDEX i;")
}

// TestSchemaSQLAndLoad copies a schema from one database to another.
func TestSchemaSQLAndLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := pgtest.NewTarget(t), pgtest.NewTarget(t)
	conn, err := a.Connect(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
		CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$
-- a comment line inside a body
SELECT 1
$$;`)
	_ = conn.Close(ctx)
	require.NoError(t, err)
	sql, err := SchemaSQL(ctx, a)
	require.NoError(t, err)
	require.NoError(t, Load(ctx, b, sql+"\n\\unrestrict abc\n"))
	pgDump, err := pgcluster.FindProgram("pg_dump", 0)
	require.NoError(t, err)
	da, err := Dump(ctx, pgDump, a)
	require.NoError(t, err)
	db, err := Dump(ctx, pgDump, b)
	require.NoError(t, err)
	assert.Contains(t, da, "CREATE TABLE public.accounts")
	assert.Empty(t, Diff("a", da, "b", db))
}

// TestSnapshot: equal schemas reached by different routes give equal
// snapshots; a NOT VALID constraint, an invalid index or another column
// order does not.
func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	snap := func(sql string) string {
		t.Helper()
		conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
		require.NoError(t, err)
		defer func() { _ = conn.Close(ctx) }()
		_, err = conn.Exec(ctx, sql)
		require.NoError(t, err)
		s, err := Snapshot(ctx, conn)
		require.NoError(t, err)
		return s
	}
	direct := snap("CREATE TABLE a (id int PRIMARY KEY, b int CHECK (b > 0)); CREATE INDEX a_b ON a (b); CREATE VIEW v AS SELECT id FROM a;")
	require.Contains(t, direct, "relation r public.a")
	assert.Contains(t, direct, "index CREATE INDEX a_b ON public.a USING btree (b)")
	assert.Equal(t, direct, snap("CREATE TABLE a (id int PRIMARY KEY, b int, c int); ALTER TABLE a DROP COLUMN c; "+
		"ALTER TABLE a ADD CONSTRAINT a_b_check CHECK (b > 0) NOT VALID; ALTER TABLE a VALIDATE CONSTRAINT a_b_check; "+
		"CREATE INDEX a_b ON a (b); CREATE VIEW v AS SELECT id FROM a;"))
	assert.NotEqual(t, direct, snap("CREATE TABLE a (id int PRIMARY KEY, b int); ALTER TABLE a ADD CONSTRAINT a_b_check CHECK (b > 0) NOT VALID; "+
		"CREATE INDEX a_b ON a (b); CREATE VIEW v AS SELECT id FROM a;"), "NOT VALID")
	assert.NotEqual(t, direct, snap("CREATE TABLE a (b int CHECK (b > 0), id int PRIMARY KEY); CREATE INDEX a_b ON a (b); CREATE VIEW v AS SELECT id FROM a;"), "column order")
}

// TestDumpKeepsThePasswordOffTheCommandLine dumps a database of a server
// that asks for a password through a pg_dump wrapper that records the
// command line and the environment pg_dump runs with: the password is in
// neither (ps shows the one, /proc the other), and the dump works.
func TestDumpKeepsThePasswordOffTheCommandLine(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := pgtest.PasswordTarget(t)
	password := admin.Config().Password
	conn, err := admin.Connect(ctx)
	require.NoError(t, err)
	db := fmt.Sprintf("pgsafe_dump_%d", os.Getpid())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+db)
	require.NoError(t, err)
	defer func() {
		_, _ = conn.Exec(context.Background(), "DROP DATABASE "+db+" WITH (FORCE)")
		_ = conn.Close(context.Background())
	}()
	target := admin.Throwaway(db)
	scratch, err := target.Connect(ctx)
	require.NoError(t, err)
	_, err = scratch.Exec(ctx, "CREATE TABLE guarded (id int)")
	_ = scratch.Close(ctx)
	require.NoError(t, err)
	pgDump, err := pgcluster.FindProgram("pg_dump", 0)
	require.NoError(t, err)

	t.Setenv("PGPASSWORD", password)
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "pg_dump")
	script := "#!/bin/sh\nprintf '%s\\n' \"$0\" \"$@\" > " + filepath.Join(dir, "argv") + "\nenv > " + filepath.Join(dir, "env") + "\nexec " + pgDump + " \"$@\"\n"
	require.NoError(t, os.WriteFile(wrapper, []byte(script), 0o700))
	dump, err := Dump(ctx, wrapper, target)
	require.NoError(t, err)
	assert.Contains(t, dump, "CREATE TABLE public.guarded")
	argv, err := os.ReadFile(filepath.Join(dir, "argv"))
	require.NoError(t, err)
	assert.Contains(t, string(argv), "--dbname=", "pg_dump ran with the recorded arguments")
	assert.NotContains(t, string(argv), password)
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	require.NoError(t, err)
	assert.NotContains(t, string(env), password)
	assert.Contains(t, string(env), "PGPASSFILE=")
}
