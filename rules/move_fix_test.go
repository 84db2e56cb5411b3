package rules_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/ruletest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// moveFindings lints the migrations (base names and texts, in order) in
// a fresh folder, places the fixes as `pgsafe lint` shows them, and
// returns the findings of contract-before-expand.
func moveFindings(t *testing.T, namesAndTexts ...string) []rules.Diagnostic {
	t.Helper()
	dir := t.TempDir()
	var files []source.File
	for i := 0; i < len(namesAndTexts); i += 2 {
		files = append(files, source.File{Path: filepath.Join(dir, namesAndTexts[i]), Text: namesAndTexts[i+1]})
	}
	r := rules.Lookup(rules.All(), "contract-before-expand")
	res := lint.Run(files, ruletest.Options(t, []*rules.Rule{r}, files))
	rewrite.Place(res)
	var out []rules.Diagnostic
	for _, d := range res.Diagnostics {
		if d.Rule == r {
			out = append(out, d)
		}
	}
	return out
}

const moveSchema = "-- test: framework=goose\n-- +goose Up\n" +
	"CREATE TABLE users (id bigint PRIMARY KEY, email text, note text);\n" +
	"CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);\n"

// TestMoveFixRefusals checks that the move's rewrite falls back to the
// recipe, and says why, wherever it cannot keep every write.
func TestMoveFixRefusals(t *testing.T) {
	cases := []struct {
		name   string
		schema string // "" for moveSchema
		change string
		why    string
	}{
		{name: "write between copy and drop",
			change: "ALTER TABLE users ADD COLUMN email_address text;\nUPDATE users SET email_address = email;\n" +
				"UPDATE users SET email_address = 'x' WHERE id = 1;\nALTER TABLE users DROP COLUMN email;",
			why: "line 4 writes users.email_address after the copy, and the sync trigger would overwrite it"},
		{name: "type change by hand",
			change: "ALTER TABLE users ADD COLUMN email_json jsonb;\nUPDATE users SET email_json = to_jsonb(email);\n" +
				"ALTER TABLE users DROP COLUMN email;\nALTER TABLE users RENAME COLUMN email_json TO email;",
			why: "line 5 renames email_json to email, the dropped column's name"},
		{name: "name added again",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email;\n" +
				"ALTER TABLE users DROP COLUMN email;\nALTER TABLE users ADD COLUMN email int;",
			why: "line 5 adds a column named email again"},
		{name: "later change of what the trigger reads",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email || note;\n" +
				"ALTER TABLE users DROP COLUMN email;\nALTER TABLE users DROP COLUMN note;",
			why: "line 5 changes note, which the sync trigger reads or writes"},
		{name: "no single-column primary key",
			schema: "-- test: framework=goose\n-- +goose Up\nCREATE TABLE users (a int, b int, email text, PRIMARY KEY (a, b));\n",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email;\nALTER TABLE users DROP COLUMN email;",
			why:    "users has no single-column primary key that pgsafe knows"},
		{name: "target without a key on the source's key",
			change: "CREATE TABLE profiles (account_id bigint, email text);\n" +
				"INSERT INTO profiles (account_id, email) SELECT id, email FROM accounts;\nALTER TABLE accounts DROP COLUMN email;",
			why: "profiles has no PRIMARY KEY or UNIQUE constraint on the columns filled from accounts.id"},
		{name: "copy with a join",
			change: "CREATE TABLE profiles (account_id bigint PRIMARY KEY, email text);\n" +
				"INSERT INTO profiles (account_id, email) SELECT a.id, a.email FROM accounts a JOIN users u ON u.id = a.id;\nALTER TABLE accounts DROP COLUMN email;",
			why: "pgsafe cannot repeat the copy on line 3 in a trigger: its SELECT reads more than accounts"},
		{name: "copy reading a subquery",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email || (SELECT max(name) FROM accounts);\nALTER TABLE users DROP COLUMN email;",
			why:    "the value of email2 reads something other than columns of users"},
		{name: "more than drops",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email;\nALTER TABLE users DROP COLUMN email, ADD COLUMN x int;",
			why:    "the statement does more than drop columns"},
		{name: "table dropped",
			change: "CREATE TABLE profiles (account_id bigint PRIMARY KEY, email text);\n" +
				"INSERT INTO profiles (account_id, email) SELECT id, email FROM accounts;\nDROP TABLE accounts;",
			why: "pgsafe rewrites only ALTER TABLE ... DROP COLUMN"},
		{name: "two copies",
			change: "ALTER TABLE users ADD COLUMN e1 text, ADD COLUMN e2 text;\nUPDATE users SET e1 = email;\nUPDATE users SET e2 = lower(email);\n" +
				"ALTER TABLE users DROP COLUMN email;",
			why: "the values are copied by more than one statement"},
		{name: "tool without new migrations",
			schema: "-- test: framework=psql\nCREATE TABLE users (id bigint PRIMARY KEY, email text, note text);\n",
			change: "ALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email;\nALTER TABLE users DROP COLUMN email;",
			why:    "psql has no way for pgsafe to add a migration"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schema := c.schema
			if schema == "" {
				schema = moveSchema
			}
			change := c.change
			if strings.HasPrefix(schema, "-- test: framework=goose") {
				change = "-- +goose Up\n" + change
			}
			ds := moveFindings(t, "001_schema.sql", schema, "002_change.sql", change)
			require.NotEmpty(t, ds)
			d := ds[0]
			require.Len(t, d.Fixes, 1)
			assert.Equal(t, rules.DisplayOnly, d.Fixes[0].Safety)
			assert.Contains(t, d.Fixes[0].Title, c.why)
		})
	}
}

// TestMoveFixCopyInAnotherFile: a move whose copy ran in an earlier file
// of the release keeps the recipe, which names that file.
func TestMoveFixCopyInAnotherFile(t *testing.T) {
	ds := moveFindings(t,
		"001_schema.sql", "-- test: framework=goose pending=002_copy.sql,003_drop.sql\n-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
		"002_copy.sql", "-- +goose Up\nALTER TABLE users ADD COLUMN email2 text;\nUPDATE users SET email2 = email;\n",
		"003_drop.sql", "-- +goose Up\nALTER TABLE users DROP COLUMN email;\n")
	require.Len(t, ds, 1)
	assert.Equal(t, rules.DisplayOnly, ds[0].Fixes[0].Safety)
	assert.Contains(t, ds[0].Fixes[0].Title, "the copy is in 002_copy.sql")
}

// TestMoveFixOneStatementTwoMoves: a statement that drops two moved
// columns is rewritten by the first finding's fix; the second says so.
func TestMoveFixOneStatementTwoMoves(t *testing.T) {
	ds := moveFindings(t, "001_schema.sql", moveSchema, "002_change.sql", "-- +goose Up\n"+
		"CREATE TABLE profiles (account_id bigint PRIMARY KEY, email text, name text);\n"+
		"INSERT INTO profiles (account_id, email, name) SELECT id, email, name FROM accounts;\n"+
		"ALTER TABLE accounts DROP COLUMN email, DROP COLUMN name;\n")
	require.Len(t, ds, 2)
	assert.Equal(t, rules.Unsafe, ds[0].Fixes[0].Safety, ds[0].Fixes[0].Title)
	assert.Equal(t, rules.DisplayOnly, ds[1].Fixes[0].Safety)
	assert.Contains(t, ds[1].Fixes[0].Title, "the fix of the finding on column accounts.email rewrites the whole statement")
	var contract string
	for _, e := range ds[0].Fixes[0].Edits {
		if strings.HasSuffix(e.Path, "003_change.sql") {
			contract = e.NewText
		}
	}
	assert.Contains(t, contract, "ALTER TABLE accounts DROP COLUMN email, DROP COLUMN name;", "the contract drops both, as written")
}

// moveSteps returns the steps and contract of the move fix of the last
// statement of change, run after schema.
func moveSteps(t *testing.T, schema, change string) rules.Fix {
	t.Helper()
	files := []source.File{{Path: "1_schema.sql", Text: schema}, {Path: "2_change.sql", Text: change}}
	r := rules.Lookup(rules.All(), "contract-before-expand")
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: 15, BatchSize: 3}})
	require.Len(t, res.Diagnostics, 1)
	fx := res.Diagnostics[0].Fixes[0]
	require.Equal(t, rules.Unsafe, fx.Safety, fx.Title)
	require.Len(t, fx.Steps, 2)
	return fx
}

// TestMoveSyncOnPostgres runs the expand of both shapes on a real
// PostgreSQL as the rewritten file runs it: the new column or table, the
// copy right before the drop replaced by the end of its transaction,
// then the trigger and the backfill. The backfill copies every row,
// those written before the trigger too; the trigger syncs the writes
// after it; an INSERT that leaves the old column NULL keeps what it
// writes in the new place.
func TestMoveSyncOnPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, _ := pgtest.Connect(t, pgtest.NewDatabase(t))
	exec := func(sql string) {
		t.Helper()
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	value := func(sql string) string {
		t.Helper()
		var s *string
		require.NoError(t, conn.QueryRow(ctx, sql).Scan(&s), sql)
		if s == nil {
			return "<null>"
		}
		return *s
	}
	run := func(fx rules.Fix) {
		t.Helper()
		for _, s := range fx.Steps {
			exec(s.SQL)
		}
	}

	t.Run("same table", func(t *testing.T) {
		schema := "CREATE TABLE users (id bigint PRIMARY KEY, email text, note text);"
		copySQL := "ALTER TABLE users ADD COLUMN email_address text;\nUPDATE users SET email_address = lower(email) WHERE email LIKE '%@%';\n"
		fx := moveSteps(t, schema, copySQL+"ALTER TABLE users DROP COLUMN email;\n")
		require.Equal(t, []rules.Replacement{{Stmt: 1, Steps: []rules.Step{{SQL: ""}}}}, fx.Also, "the copy becomes the end of its transaction")
		exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;" + schema +
			"INSERT INTO users SELECT g, 'U' || g || '@X.com' FROM generate_series(1, 10) g;" + strings.SplitAfter(copySQL, ";")[0])
		exec("UPDATE users SET email = 'Late@X.com' WHERE id = 1") // before the trigger
		run(fx)
		assert.Equal(t, "u2@x.com", value("SELECT email_address FROM users WHERE id = 2"), "the backfill copies every row")
		assert.Equal(t, "late@x.com", value("SELECT email_address FROM users WHERE id = 1"), "the backfill syncs a write made before the trigger")
		exec("UPDATE users SET email = 'After@X.com' WHERE id = 2")
		assert.Equal(t, "after@x.com", value("SELECT email_address FROM users WHERE id = 2"), "the trigger syncs an UPDATE")
		exec("UPDATE users SET email = 'no at sign' WHERE id = 3")
		assert.Equal(t, "u3@x.com", value("SELECT email_address FROM users WHERE id = 3"), "the copy's WHERE holds in the trigger")
		exec("INSERT INTO users (id, email) VALUES (100, 'New@X.com')")
		assert.Equal(t, "new@x.com", value("SELECT email_address FROM users WHERE id = 100"), "the trigger syncs an INSERT of old code")
		exec("INSERT INTO users (id, email_address) VALUES (101, 'written@new.code')")
		assert.Equal(t, "written@new.code", value("SELECT email_address FROM users WHERE id = 101"), "an INSERT of new code keeps its value")
		exec("UPDATE users SET note = 'n' WHERE id = 4")
		exec("UPDATE users SET email_address = 'changed@new.code' WHERE id = 4")
		assert.Equal(t, "changed@new.code", value("SELECT email_address FROM users WHERE id = 4"), "an UPDATE of the new column alone is kept")
		exec(fx.Contract)
		assert.Equal(t, "0", value("SELECT count(*)::text FROM pg_trigger WHERE tgrelid = 'users'::regclass AND NOT tgisinternal"))
		assert.Equal(t, "<null>", value("SELECT attname::text FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'email' AND NOT attisdropped UNION ALL SELECT NULL LIMIT 1"))
	})

	t.Run("another table", func(t *testing.T) {
		schema := "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);"
		copySQL := "CREATE TABLE profiles (account_id bigint PRIMARY KEY REFERENCES accounts, email text);\n" +
			"INSERT INTO profiles (account_id, email) SELECT id, email FROM accounts;\n"
		fx := moveSteps(t, schema, copySQL+"ALTER TABLE accounts DROP COLUMN email;\n")
		require.Len(t, fx.Also, 1, "the copy becomes the end of its transaction")
		exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public;" + schema +
			"INSERT INTO accounts SELECT g, 'u' || g FROM generate_series(1, 10) g;" + strings.SplitAfter(copySQL, ";")[0])
		exec("UPDATE accounts SET email = 'late' WHERE id = 1")
		exec("INSERT INTO accounts VALUES (50, 'between', 'x')")
		run(fx)
		assert.Equal(t, "u2", value("SELECT email FROM profiles WHERE account_id = 2"), "the backfill copies every row")
		assert.Equal(t, "late", value("SELECT email FROM profiles WHERE account_id = 1"), "the backfill syncs a write made before the trigger")
		assert.Equal(t, "between", value("SELECT email FROM profiles WHERE account_id = 50"), "the backfill copies a row inserted before the trigger")
		exec("UPDATE accounts SET email = 'after' WHERE id = 2")
		assert.Equal(t, "after", value("SELECT email FROM profiles WHERE account_id = 2"), "the trigger upserts an UPDATE")
		exec("INSERT INTO accounts VALUES (100, 'new', 'x')")
		assert.Equal(t, "new", value("SELECT email FROM profiles WHERE account_id = 100"), "the trigger upserts an INSERT")
		exec("INSERT INTO accounts (id, name) VALUES (101, 'new code'); INSERT INTO profiles VALUES (101, 'mine')")
		assert.Equal(t, "mine", value("SELECT email FROM profiles WHERE account_id = 101"), "new code that leaves the old column NULL inserts its own row")
		exec(fx.Contract)
		assert.Equal(t, "0", value("SELECT count(*)::text FROM pg_trigger WHERE tgrelid = 'accounts'::regclass AND NOT tgisinternal"))
	})
}

// TestMoveBackfillRaceOnPostgres pins the race that the backfill of a
// move to another table must not lose: a write of a source row commits
// its trigger's upsert while a batch copies the same row. The batch reads
// the rows FOR SHARE, so it waits for the write and copies the newer
// value; the same batch without FOR SHARE reads the row as it was before
// the write and overwrites the newer value, which the test shows too, so
// that it can fail.
func TestMoveBackfillRaceOnPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t)
	writer, _ := pgtest.Connect(t, url)
	backfill, _ := pgtest.Connect(t, url)
	schema := "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);"
	copySQL := "CREATE TABLE profiles (account_id bigint PRIMARY KEY, email text);\n" +
		"INSERT INTO profiles (account_id, email) SELECT id, email FROM accounts;\n"
	fx := moveSteps(t, schema, copySQL+"ALTER TABLE accounts DROP COLUMN email;\n")
	require.Contains(t, fx.Steps[1].SQL, " FOR SHARE ON CONFLICT")

	race := func(t *testing.T, backfillSQL string) string {
		t.Helper()
		_, err := writer.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"+schema+
			"INSERT INTO accounts SELECT g, 'old' FROM generate_series(1, 10) g;"+strings.SplitAfter(copySQL, ";")[0]+fx.Steps[0].SQL)
		require.NoError(t, err)
		tx, err := writer.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "UPDATE accounts SET email = 'new' WHERE id = 5")
		require.NoError(t, err)
		var pid int
		require.NoError(t, backfill.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
		done := make(chan error, 1)
		go func() {
			_, err := backfill.Exec(ctx, backfillSQL)
			done <- err
		}()
		// The writer commits once the backfill waits for a lock of its
		// row or of its upsert: the order the race needs, reached
		// without a sleep.
		waiting := false
		for !waiting {
			select {
			case err := <-done:
				require.Failf(t, "the backfill did not wait for the writer", "%v", err)
			default:
			}
			require.NoError(t, writer.QueryRow(ctx, "SELECT coalesce(wait_event_type = 'Lock', false) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&waiting))
		}
		require.NoError(t, tx.Commit(ctx))
		require.NoError(t, <-done)
		var email string
		require.NoError(t, writer.QueryRow(ctx, "SELECT email FROM profiles WHERE account_id = 5").Scan(&email))
		return email
	}
	t.Run("FOR SHARE", func(t *testing.T) {
		assert.Equal(t, "new", race(t, fx.Steps[1].SQL), "the backfill keeps the write made during its batch")
	})
	t.Run("without FOR SHARE", func(t *testing.T) {
		assert.Equal(t, "old", race(t, strings.Replace(fx.Steps[1].SQL, " FOR SHARE ON CONFLICT", " ON CONFLICT", 1)),
			"without the row lock the batch overwrites the newer value: the race the lock closes")
	})
}
