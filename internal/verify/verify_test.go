package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/verify"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// set writes files (base name to SQL) into a folder of their own and
// reads them as a migration set whose changed files are those named in
// changed.
func set(t *testing.T, files map[string]string, changed ...string) verify.Set {
	t.Helper()
	return readSet(t, lint.Options{KeepTrees: true, SkipDown: true}, files, changed...)
}

// readSet is set, reading the files with opts.
func readSet(t *testing.T, opts lint.Options, files map[string]string, changed ...string) verify.Set {
	t.Helper()
	return readSetIn(t, t.TempDir(), opts, files, changed...)
}

// readSetIn is readSet, writing the files into dir.
func readSetIn(t *testing.T, dir string, opts lint.Options, files map[string]string, changed ...string) verify.Set {
	t.Helper()
	for name, sql := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644))
	}
	srcs, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	s := verify.Set{Files: lint.Run(srcs, opts).Files, Changed: map[string]bool{}}
	for _, name := range changed {
		s.Changed[filepath.Join(dir, name)] = true
	}
	return s
}

const create = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, plan text);\n"

func run(t *testing.T, original, rewrite verify.Set, seedRows int) *verify.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rep, err := verify.Run(ctx, original, rewrite, verify.Options{AdminURL: pgtest.URL(t), SeedRows: seedRows})
	require.NoError(t, err)
	return rep
}

// TestPasses verifies a rewrite that builds an index concurrently: the
// same schema, and the rewrite blocks nobody while writes to the table
// wait for the original.
func TestPasses(t *testing.T) {
	original := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
	rewrite := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
	rep := run(t, original, rewrite, 20000)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	assert.Empty(t, rep.SchemaDiff)
	require.Len(t, rep.Original, 1)
	assert.Equal(t, "CREATE INDEX accounts_email_idx ON accounts (email)", rep.Original[0].SQL)
	assert.Equal(t, locks.Share, rep.Original[0].Mode)
	require.Len(t, rep.Rewrite, 1)
	assert.True(t, rep.Rewrite[0].Written)
	assert.False(t, rep.Rewrite[0].Blocks)
	assert.Equal(t, []seedFilled{{"public.accounts", 20000}}, filled(rep))
	// The runs are brief: the probe may not get a write in (see
	// TestOnlineCreateIndex for a run it measures).
	var text bytes.Buffer
	require.NoError(t, verify.Text(&text, rep, verify.TextOptions{}))
	assert.Contains(t, text.String(), "verify: ok")
	for _, w := range rep.Writes {
		assert.Equal(t, "public.accounts", w.Table)
		assert.Contains(t, text.String(), "writes to accounts blocked for")
		t.Logf("writes to accounts blocked for %s → %s", w.Original, w.Rewrite)
	}
	b, err := json.Marshal(rep)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"ok":true`)
}

type seedFilled struct {
	table string
	rows  int64
}

func filled(rep *verify.Report) []seedFilled {
	var out []seedFilled
	for _, f := range rep.Seeded.Filled {
		out = append(out, seedFilled{f.Table, f.Rows})
	}
	return out
}

// TestFailsOnAnotherSchema forces a rewrite that indexes another column.
func TestFailsOnAnotherSchema(t *testing.T) {
	original := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX accounts_idx ON accounts (email);\n"}, "2_email.up.sql")
	rewrite := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX CONCURRENTLY accounts_idx ON accounts (plan);\n"}, "2_email.up.sql")
	rep := run(t, original, rewrite, 0)
	assert.False(t, rep.OK())
	assert.Contains(t, rep.Failures(), "the rewrite leaves another schema than the original")
	assert.Contains(t, rep.SchemaDiff, "-CREATE INDEX accounts_idx ON public.accounts USING btree (email);")
	assert.Contains(t, rep.SchemaDiff, "+CREATE INDEX accounts_idx ON public.accounts USING btree (plan);")
}

// TestFailsOnABlockingRewrite forces a rewrite that still builds the index
// under SHARE, written differently, and one that a fix targeted but left
// blocking.
func TestFailsOnABlockingRewrite(t *testing.T) {
	original := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX accounts_idx ON accounts (email);\n"}, "2_email.up.sql")
	rewrite := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "SET lock_timeout = '2s';\nCREATE INDEX accounts_idx ON accounts USING btree (email);\n"}, "2_email.up.sql")
	rep := run(t, original, rewrite, 100)
	assert.Empty(t, rep.SchemaDiff)
	require.Len(t, rep.Failures(), 1, "%v", rep.Failures())
	assert.Regexp(t, `2_email.up.sql:2 still blocks writes to public.accounts \(SHARE\) while it scans it`, rep.Failures()[0])

	// A statement the fix left as it was is reported, not failed; one it
	// targeted must no longer block.
	same := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "SET lock_timeout = '2s';\nCREATE INDEX accounts_idx ON accounts (email);\n"}, "2_email.up.sql")
	rep = run(t, original, same, 100)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	require.Len(t, rep.Rewrite, 2)
	assert.True(t, rep.Rewrite[1].Blocks)
	assert.False(t, rep.Rewrite[1].Written)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var path string
	for p := range original.Changed {
		path = p
	}
	rep, err := verify.Run(ctx, original, same, verify.Options{AdminURL: pgtest.URL(t), SeedRows: 100, Targets: []verify.Target{{Path: path, Line: 1, Table: "accounts"}}})
	require.NoError(t, err)
	assert.False(t, rep.OK(), "the fix targeted the statement")

	rep, err = verify.Run(ctx, original, same, verify.Options{AdminURL: pgtest.URL(t), Targets: []verify.Target{{Path: path, Line: 1, Table: "orders"}}})
	require.NoError(t, err)
	assert.True(t, rep.OK(), "a target whose statement does not lock its table points at another text: %v", rep.Failures())
}

// TestOriginalFails verifies a rewrite of an original that cannot run as
// its framework runs it, against its statements run one at a time; an
// original that fails even so is a failure.
func TestOriginalFails(t *testing.T) {
	original := set(t, map[string]string{"1_x.up.sql": create + "CREATE INDEX CONCURRENTLY i ON accounts (email);\n"}, "1_x.up.sql")
	rewrite := set(t, map[string]string{"1_x.up.sql": create, "2_x.up.sql": "CREATE INDEX CONCURRENTLY i ON accounts (email);\n"}, "1_x.up.sql", "2_x.up.sql")
	rep := run(t, original, rewrite, 0)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	assert.Contains(t, rep.OriginalFails, "cannot run inside a transaction block")
	var text bytes.Buffer
	require.NoError(t, verify.Text(&text, rep, verify.TextOptions{}))
	assert.Contains(t, text.String(), "compared with its statements run one at a time")

	broken := set(t, map[string]string{"1_x.up.sql": "CREATE INDEX i ON missing (email);\n"}, "1_x.up.sql")
	rep = run(t, broken, rewrite, 0)
	assert.False(t, rep.OK())
	assert.Contains(t, rep.OriginalErr, `relation "missing" does not exist`)
}

// TestColumnOrderIsReported verifies a rewrite that changes a column's
// type through a new column, which ends up last: the schemas differ only
// in the order of the columns, which the report names without failing.
func TestColumnOrderIsReported(t *testing.T) {
	schema := "CREATE TABLE accounts (id bigint PRIMARY KEY, balance integer, email text);\n"
	original := set(t, map[string]string{"1_accounts.up.sql": schema, "2_balance.up.sql": "ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\n"}, "2_balance.up.sql")
	rewrite := set(t, map[string]string{"1_accounts.up.sql": schema, "2_balance.up.sql": "ALTER TABLE accounts ADD COLUMN balance_new bigint;\n" +
		"ALTER TABLE accounts DROP COLUMN balance;\n" +
		"ALTER TABLE accounts RENAME COLUMN balance_new TO balance;\n"}, "2_balance.up.sql")
	rep := run(t, original, rewrite, 0)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	assert.Empty(t, rep.SchemaDiff)
	assert.Equal(t, []string{"public.accounts: (id, balance, email) → (id, email, balance)"}, rep.ColumnOrder)
	var text bytes.Buffer
	require.NoError(t, verify.Text(&text, rep, verify.TextOptions{}))
	assert.Contains(t, text.String(), "but for the order of columns")

	// Another type is another schema.
	other := set(t, map[string]string{"1_accounts.up.sql": schema, "2_balance.up.sql": "ALTER TABLE accounts ADD COLUMN balance_new numeric;\n" +
		"ALTER TABLE accounts DROP COLUMN balance;\n" +
		"ALTER TABLE accounts RENAME COLUMN balance_new TO balance;\n"}, "2_balance.up.sql")
	rep = run(t, original, other, 0)
	assert.False(t, rep.OK())
	assert.Empty(t, rep.ColumnOrder)
}
