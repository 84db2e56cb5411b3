package migration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/tool"
)

// contextOf describes each statement's migration context in one short
// line: its first keyword, "auto" or "txN:kind", then "lock" and "stmt"
// when lock_timeout or statement_timeout is in force, and "down" for a
// down section.
func contextOf(t *testing.T, f *File) []string {
	t.Helper()
	require.Nil(t, f.SyntaxError, "the test input must parse")
	out := make([]string, len(f.Statements))
	for i, st := range f.Statements {
		word, _, _ := strings.Cut(st.Text(f.Text), " ")
		s := strings.ToUpper(strings.TrimRight(word, ";"))
		if st.Tx == nil {
			s += " auto"
		} else {
			kinds := map[TxKind]string{TxExplicit: "explicit", TxWrapped: "wrapped", TxImplicit: "implicit"}
			s += fmt.Sprintf(" tx%d:%s", st.Tx.ID, kinds[st.Tx.Kind])
		}
		if st.LockTimeout {
			s += " lock"
		}
		if st.StatementTimeout {
			s += " stmt"
		}
		if st.Direction == Down {
			s += " down"
		}
		out[i] = s
	}
	return out
}

// read reads a file with tool tl, or with the tool its text and name
// show when tl is nil.
func read(t *testing.T, path, text string, tl *tool.Tool) *File {
	t.Helper()
	if tl == nil {
		return Read(path, text, Options{})
	}
	return Read(path, text, Options{Choice: tool.Choice{Tool: tl, Source: tool.FromFlag}})
}

func TestExplicitTransactions(t *testing.T) {
	f := read(t, "x.sql", `
ALTER TABLE a ADD COLUMN b int;
BEGIN;
ALTER TABLE a ADD COLUMN c int;
COMMIT;
START TRANSACTION;
ALTER TABLE a ADD COLUMN d int;
ROLLBACK;
ALTER TABLE a ADD COLUMN e int;
`, tool.Psql)
	assert.Equal(t, tool.Autocommit, f.Run)
	assert.Equal(t, []string{
		"ALTER auto",
		"BEGIN tx1:explicit", "ALTER tx1:explicit", "COMMIT tx1:explicit",
		"START tx2:explicit", "ALTER tx2:explicit", "ROLLBACK tx2:explicit",
		"ALTER auto",
	}, contextOf(t, f))
}

func TestGooseSections(t *testing.T) {
	f := read(t, "00001_add.sql", `-- +goose Up
ALTER TABLE a ADD COLUMN b int;
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE a DROP COLUMN b;
DROP FUNCTION f();
`, nil)
	assert.Equal(t, tool.Goose, f.Tool)
	assert.Equal(t, tool.Transaction, f.Run)
	assert.Equal(t, []string{
		"ALTER tx1:wrapped", "CREATE tx1:wrapped",
		"ALTER tx2:wrapped down", "DROP tx2:wrapped down",
	}, contextOf(t, f))
}

func TestGooseNoTransaction(t *testing.T) {
	f := read(t, "00002_idx.sql", `-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY a_b ON a (b);
CREATE INDEX CONCURRENTLY a_c ON a (c);
-- +goose Down
DROP INDEX CONCURRENTLY a_c;
`, nil)
	assert.Equal(t, tool.Autocommit, f.Run)
	assert.Equal(t, []string{"CREATE auto", "CREATE auto", "DROP auto down"}, contextOf(t, f))
}

func TestGooseTimeoutsDoNotCrossSections(t *testing.T) {
	f := read(t, "00003_x.sql", `-- +goose Up
SET LOCAL lock_timeout = '2s';
ALTER TABLE a ADD COLUMN b int;
-- +goose Down
ALTER TABLE a DROP COLUMN b;
`, tool.Goose)
	assert.Equal(t, []string{"SET tx1:wrapped", "ALTER tx1:wrapped lock", "ALTER tx2:wrapped down"}, contextOf(t, f))
}

func TestDbmateSections(t *testing.T) {
	f := read(t, "20240101_x.sql", `-- migrate:up
ALTER TABLE a ADD COLUMN b int;
ALTER TABLE a ADD COLUMN c int;

-- migrate:down
ALTER TABLE a DROP COLUMN c;
`, nil)
	assert.Equal(t, tool.Dbmate, f.Tool)
	assert.Equal(t, tool.Transaction, f.Run)
	assert.Equal(t, []string{"ALTER tx1:wrapped", "ALTER tx1:wrapped", "ALTER tx2:wrapped down"}, contextOf(t, f))
}

func TestDbmateTransactionFalse(t *testing.T) {
	one := read(t, "20240101_x.sql", `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY a_b ON a (b);

-- migrate:down
DROP INDEX a_b;
`, nil)
	assert.Equal(t, tool.Query, one.Run)
	assert.Equal(t, []string{"CREATE auto", "DROP tx1:wrapped down"}, contextOf(t, one))

	two := read(t, "20240102_x.sql", `-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY a_b ON a (b);
CREATE INDEX CONCURRENTLY a_c ON a (c);
`, nil)
	assert.Equal(t, []string{"CREATE tx1:implicit", "CREATE tx1:implicit"}, contextOf(t, two),
		"one Exec of two statements runs as one implicit transaction")
}

func TestGolangMigrateSingleExec(t *testing.T) {
	one := read(t, "1_idx.up.sql", "CREATE INDEX CONCURRENTLY a_b ON a (b);\n", nil)
	assert.Equal(t, tool.GolangMigrate, one.Tool)
	assert.Equal(t, tool.Query, one.Run)
	assert.Equal(t, []string{"CREATE auto"}, contextOf(t, one))

	two := read(t, "2_idx.up.sql", "SET lock_timeout = '2s';\nALTER TABLE a ADD COLUMN b int;\n", nil)
	assert.Equal(t, []string{"SET tx1:implicit", "ALTER tx1:implicit lock"}, contextOf(t, two))

	down := read(t, "2_idx.down.sql", "ALTER TABLE a DROP COLUMN b;\n", nil)
	assert.Equal(t, []string{"ALTER auto down"}, contextOf(t, down))
}

func TestSingleExecWithExplicitCommit(t *testing.T) {
	f := read(t, "3_x.up.sql", `ALTER TABLE a ADD COLUMN b int;
BEGIN;
ALTER TABLE a ADD COLUMN c int;
COMMIT;
ALTER TABLE a ADD COLUMN d int;
ALTER TABLE a ADD COLUMN e int;
`, tool.GolangMigrate)
	// BEGIN turns the implicit transaction into an explicit one; after
	// COMMIT the rest of the query string starts a new implicit one.
	assert.Equal(t, []string{
		"ALTER tx1:implicit", "BEGIN tx1:implicit", "ALTER tx1:implicit", "COMMIT tx1:implicit",
		"ALTER tx2:implicit", "ALTER tx2:implicit",
	}, contextOf(t, f))
}

func TestPopxAutocommit(t *testing.T) {
	wrapped := read(t, "20200101000000_x.postgres.up.sql", "ALTER TABLE a ADD COLUMN b int;\nALTER TABLE a ADD COLUMN c int;\n", tool.Popx)
	assert.Equal(t, tool.Transaction, wrapped.Run)
	assert.Equal(t, []string{"ALTER tx1:wrapped", "ALTER tx1:wrapped"}, contextOf(t, wrapped))

	one := read(t, "20200101000001_x.postgres.autocommit.up.sql", "CREATE INDEX CONCURRENTLY a_b ON a (b);\n", nil)
	assert.Equal(t, tool.Popx, one.Tool)
	assert.Equal(t, tool.Query, one.Run)
	assert.Equal(t, []string{"CREATE auto"}, contextOf(t, one))

	two := read(t, "20200101000002_x.autocommit.up.sql", "CREATE INDEX CONCURRENTLY a_b ON a (b);\nCREATE INDEX CONCURRENTLY a_c ON a (c);\n", nil)
	assert.Equal(t, []string{"CREATE tx1:implicit", "CREATE tx1:implicit"}, contextOf(t, two))
}

func TestPopWrapsEveryFile(t *testing.T) {
	f := read(t, "20200101000000_x.up.sql", "ALTER TABLE a ADD COLUMN b int;\n", tool.Pop)
	assert.Equal(t, []string{"ALTER tx1:wrapped"}, contextOf(t, f))
}

func TestSqitchRunsStatementsOneByOne(t *testing.T) {
	f := read(t, "deploy/x.sql", "BEGIN;\nALTER TABLE a ADD COLUMN b int;\nCOMMIT;\nALTER TABLE a ADD COLUMN c int;\n", tool.Sqitch)
	assert.Equal(t, []string{"BEGIN tx1:explicit", "ALTER tx1:explicit", "COMMIT tx1:explicit", "ALTER auto"}, contextOf(t, f))
}

func TestFlywayTransactions(t *testing.T) {
	dir := t.TempDir()
	wrapped := read(t, filepath.Join(dir, "V1__add.sql"), "ALTER TABLE a ADD COLUMN b int;\nALTER TABLE a ADD COLUMN c int;\n", nil)
	assert.Equal(t, tool.Flyway, wrapped.Tool)
	assert.Equal(t, tool.Transaction, wrapped.Run)
	assert.Equal(t, []string{"ALTER tx1:wrapped", "ALTER tx1:wrapped"}, contextOf(t, wrapped))

	conf := filepath.Join(dir, "V2__idx.sql")
	require.NoError(t, os.WriteFile(conf+".conf", []byte("# per-script settings\nexecuteInTransaction=false\n"), 0o600))
	off := read(t, conf, "ALTER TABLE a ADD COLUMN d int;\nALTER TABLE a ADD COLUMN e int;\n", nil)
	assert.Equal(t, tool.Autocommit, off.Run)
	assert.Equal(t, []string{"ALTER auto", "ALTER auto"}, contextOf(t, off))

	on := filepath.Join(dir, "V3__x.sql")
	require.NoError(t, os.WriteFile(on+".conf", []byte("executeInTransaction=true\n"), 0o600))
	assert.Equal(t, tool.Transaction, read(t, on, "ALTER TABLE a ADD COLUMN f int;\n", nil).Run)
}

func TestFlywayNonTransactionalStatements(t *testing.T) {
	for _, sql := range []string{
		"CREATE INDEX CONCURRENTLY a_b ON a (b)",
		"CREATE UNIQUE INDEX CONCURRENTLY a_b ON a (b)",
		"DROP INDEX CONCURRENTLY a_b",
		"REINDEX SCHEMA public",
		"REINDEX DATABASE app",
		"VACUUM a",
		"ALTER TYPE mood ADD VALUE 'meh'",
		"CREATE DATABASE app",
		"DROP DATABASE app",
		"CREATE TABLESPACE ts LOCATION '/x'",
		"ALTER SYSTEM SET work_mem = '64MB'",
		"DISCARD ALL",
	} {
		t.Run(sql, func(t *testing.T) {
			f := read(t, "V4__x.sql", "ALTER TABLE a ADD COLUMN b int;\n"+sql+";\n", tool.Flyway)
			assert.Equal(t, tool.Autocommit, f.Run, "Flyway runs the whole script outside a transaction")
			assert.Equal(t, []string{"ALTER auto", strings.ToUpper(strings.Fields(sql)[0]) + " auto"}, contextOf(t, f))
		})
	}
	for _, sql := range []string{
		"REINDEX INDEX CONCURRENTLY a_b",                 // Flyway's parser misses it
		"ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", // likewise
		"ALTER TYPE mood RENAME VALUE 'meh' TO 'ok'",
		"DISCARD PLANS",
	} {
		t.Run(sql, func(t *testing.T) {
			f := read(t, "V5__x.sql", sql+";\nALTER TABLE a ADD COLUMN b int;\n", tool.Flyway)
			assert.Equal(t, tool.Transaction, f.Run, "Flyway keeps its transaction")
			assert.Equal(t, []string{strings.ToUpper(strings.Fields(sql)[0]) + " tx1:wrapped", "ALTER tx1:wrapped"}, contextOf(t, f))
		})
	}
	t.Run("DISCARD PLANS before VACUUM", func(t *testing.T) {
		f := read(t, "V6__x.sql", "DISCARD PLANS;\nVACUUM a;\n", tool.Flyway)
		assert.Equal(t, tool.Autocommit, f.Run)
	})
}

func TestSetLocalScope(t *testing.T) {
	f := read(t, "x.sql", `
SET LOCAL lock_timeout = '2s';
ALTER TABLE a ADD COLUMN b int;
BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '5s';
ALTER TABLE a ADD COLUMN c int;
COMMIT;
ALTER TABLE a ADD COLUMN d int;
`, tool.Psql)
	assert.Equal(t, []string{
		"SET auto", "ALTER auto", // SET LOCAL outside a transaction does nothing
		"BEGIN tx1:explicit", "SET tx1:explicit", "SET tx1:explicit lock", "ALTER tx1:explicit lock stmt", "COMMIT tx1:explicit lock stmt",
		"ALTER auto", // SET LOCAL ends with the transaction
	}, contextOf(t, f))
}

func TestSessionSetOutlivesTransactions(t *testing.T) {
	f := read(t, "x.sql", `
SET lock_timeout = '2s';
BEGIN;
ALTER TABLE a ADD COLUMN b int;
SET LOCAL lock_timeout = 0;
ALTER TABLE a ADD COLUMN c int;
COMMIT;
ALTER TABLE a ADD COLUMN d int;
`, tool.Psql)
	assert.Equal(t, []string{
		"SET auto", "BEGIN tx1:explicit lock", "ALTER tx1:explicit lock", "SET tx1:explicit lock",
		"ALTER tx1:explicit", "COMMIT tx1:explicit",
		"ALTER auto lock",
	}, contextOf(t, f))
}

func TestSessionSetInsideTransactionOverridesLocal(t *testing.T) {
	f := read(t, "x.sql", `
BEGIN;
SET LOCAL lock_timeout = '2s';
RESET lock_timeout;
ALTER TABLE a ADD COLUMN b int;
SET LOCAL lock_timeout = '2s';
SET lock_timeout = 0;
ALTER TABLE a ADD COLUMN c int;
COMMIT;
ALTER TABLE a ADD COLUMN d int;
`, tool.Psql)
	assert.Equal(t, []string{
		"BEGIN tx1:explicit", "SET tx1:explicit", "RESET tx1:explicit lock",
		"ALTER tx1:explicit", // RESET replaces the SET LOCAL value too
		"SET tx1:explicit", "SET tx1:explicit lock",
		"ALTER tx1:explicit", // a session SET replaces the SET LOCAL value
		"COMMIT tx1:explicit",
		"ALTER auto",
	}, contextOf(t, f))
}

func TestRollbackUndoesSessionSet(t *testing.T) {
	f := read(t, "x.sql", `
BEGIN;
SET lock_timeout = '2s';
ROLLBACK;
ALTER TABLE a ADD COLUMN b int;
BEGIN;
SET lock_timeout = '2s';
COMMIT;
ALTER TABLE a ADD COLUMN c int;
`, tool.Psql)
	assert.Equal(t, []string{
		"BEGIN tx1:explicit", "SET tx1:explicit", "ROLLBACK tx1:explicit lock",
		"ALTER auto",
		"BEGIN tx2:explicit", "SET tx2:explicit", "COMMIT tx2:explicit lock",
		"ALTER auto lock",
	}, contextOf(t, f))
}

func TestResetAndDefault(t *testing.T) {
	f := read(t, "x.sql", `
SET lock_timeout TO '2s';
SET statement_timeout = 5000;
ALTER TABLE a ADD COLUMN b int;
RESET lock_timeout;
ALTER TABLE a ADD COLUMN c int;
SET lock_timeout = '1min';
SET lock_timeout TO DEFAULT;
ALTER TABLE a ADD COLUMN d int;
SET lock_timeout = '1h';
RESET ALL;
ALTER TABLE a ADD COLUMN e int;
`, tool.Psql)
	assert.Equal(t, []string{
		"SET auto", "SET auto lock", "ALTER auto lock stmt",
		"RESET auto lock stmt", "ALTER auto stmt",
		"SET auto stmt", "SET auto lock stmt", "ALTER auto stmt",
		"SET auto stmt", "RESET auto lock stmt", "ALTER auto",
	}, contextOf(t, f))
}

func TestZeroTimeouts(t *testing.T) {
	for _, v := range []string{"0", "'0'", "'0s'", "'0ms'", "'0min'", "'0h'", "'0d'", "'0.0s'", "'0 s'"} {
		f := read(t, "x.sql", "SET lock_timeout = "+v+";\nALTER TABLE a ADD COLUMN b int;\n", tool.Psql)
		assert.Equal(t, []string{"SET auto", "ALTER auto"}, contextOf(t, f), "lock_timeout = %s turns it off", v)
	}
	for _, v := range []string{"1", "'500'", "'10ms'", "'1h'", "'0.5s'", "'2 s'"} {
		f := read(t, "x.sql", "SET lock_timeout = "+v+";\nALTER TABLE a ADD COLUMN b int;\n", tool.Psql)
		assert.Equal(t, []string{"SET auto", "ALTER auto lock"}, contextOf(t, f), "lock_timeout = %s turns it on", v)
	}
}

func TestSetConfig(t *testing.T) {
	f := read(t, "x.sql", `
SELECT set_config('lock_timeout', '2s', false);
ALTER TABLE a ADD COLUMN b int;
BEGIN;
SELECT pg_catalog.set_config('statement_timeout', '5s', true);
ALTER TABLE a ADD COLUMN c int;
SELECT set_config('lock_timeout', '0', true);
ALTER TABLE a ADD COLUMN d int;
COMMIT;
ALTER TABLE a ADD COLUMN e int;
SELECT set_config('search_path', 'app', false);
`, tool.Psql)
	assert.Equal(t, []string{
		"SELECT auto", "ALTER auto lock",
		"BEGIN tx1:explicit lock", "SELECT tx1:explicit lock", "ALTER tx1:explicit lock stmt",
		"SELECT tx1:explicit lock stmt", "ALTER tx1:explicit stmt", "COMMIT tx1:explicit stmt",
		"ALTER auto lock", "SELECT auto lock",
	}, contextOf(t, f))
}

func TestSetLocalInWrappedFile(t *testing.T) {
	f := read(t, "00004_x.sql", `-- +goose Up
ALTER TABLE a ADD COLUMN b int;
SET LOCAL lock_timeout = '2s';
ALTER TABLE a ADD COLUMN c int;
`, tool.Goose)
	assert.Equal(t, []string{"ALTER tx1:wrapped", "SET tx1:wrapped", "ALTER tx1:wrapped lock"}, contextOf(t, f))
}

func TestCreatedTables(t *testing.T) {
	f := read(t, "x.sql", `
ALTER TABLE old ADD COLUMN b int;
CREATE TABLE fresh (id int);
CREATE SEQUENCE fresh_seq;
CREATE VIEW fresh_view AS SELECT 1;
CREATE OR REPLACE VIEW old_view AS SELECT 1;
CREATE TABLE copy AS SELECT * FROM old;
ALTER TABLE fresh ADD COLUMN b int;
`, tool.Psql)
	last := len(f.Statements) - 1
	assert.False(t, f.IsNew("public.old", last))
	assert.False(t, f.IsNew("public.fresh", 1), "a table is new only after the statement that creates it")
	assert.True(t, f.IsNew("public.fresh", last))
	assert.True(t, f.IsNew("public.fresh_seq", last))
	assert.True(t, f.IsNew("public.fresh_view", last))
	assert.False(t, f.IsNew("public.old_view", last), "CREATE OR REPLACE VIEW may replace an existing view")
	assert.True(t, f.IsNew("public.copy", last))
	at, ok := f.CreatedAt("public.fresh")
	assert.True(t, ok)
	assert.Equal(t, 1, at)
}
