package rewrite_test

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// fixWith fixes files (relative paths and texts) written to a fresh
// folder, run by t, and returns the result with paths relative to it.
// Whatever the fixes wrote, the tool accepts.
func fixWith(t *testing.T, tl *tool.Tool, pathsAndTexts ...string) (*rewrite.Result, map[string]string) {
	t.Helper()
	return fixFiles(t, tl, true, pathsAndTexts...)
}

// fixWithout is fixWith for files that the tool refuses before the fix.
func fixWithout(t *testing.T, tl *tool.Tool, pathsAndTexts ...string) (*rewrite.Result, map[string]string) {
	t.Helper()
	return fixFiles(t, tl, false, pathsAndTexts...)
}

// fixFiles is fixWith, which checks the fixed files with the tool's own
// checks when check is set.
func fixFiles(t *testing.T, tl *tool.Tool, check bool, pathsAndTexts ...string) (*rewrite.Result, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	var files []source.File
	for i := 0; i < len(pathsAndTexts); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(pathsAndTexts[i]))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(pathsAndTexts[i+1]), 0o644))
		files = append(files, source.File{Path: p, Text: pathsAndTexts[i+1]})
	}
	sort.SliceStable(files, func(i, j int) bool { return source.Less(files[i].Path, files[j].Path) })
	all := rules.All()
	opts := lint.Options{Rules: all, Known: all, Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000}}
	if tl != nil {
		opts.Tools = []tool.Setting{{Tool: tl, Source: tool.FromConfig}}
	}
	res, err := rewrite.Fix(files, opts, rewrite.Options{Unsafe: true})
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range res.Files {
		rel, err := filepath.Rel(dir, f.Path)
		require.NoError(t, err)
		out[filepath.ToSlash(rel)] = f.Fixed
	}
	for i := range res.Skipped {
		rel, _ := filepath.Rel(dir, res.Skipped[i].Path)
		res.Skipped[i].Path = filepath.ToSlash(rel)
	}
	var inputs []tool.Input
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, ".sql") {
			inputs = append(inputs, tool.Input{Path: f.Path, Text: f.Fixed})
		}
	}
	if tl != nil && check {
		assert.Empty(t, tl.CheckOf(inputs), "%s refuses the fixed files", tl.Name)
	}
	return res, out
}

func names(files map[string]string) []string {
	var out []string
	for p := range files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func skippedFor(res *rewrite.Result, rule string) []string {
	var out []string
	for _, s := range res.Skipped {
		if s.Rule.Name == rule {
			out = append(out, s.Path+": "+s.Reason)
		}
	}
	return out
}

// TestGolangMigrateDownStaysInItsFile: a golang-migrate down that needs a
// statement out of its implicit transaction is never split into new
// versions (no N_x.down.up.sql, no second version 21); a down of one
// statement is rewritten in place.
func TestGolangMigrateDownStaysInItsFile(t *testing.T) {
	res, files := fixWith(t, tool.GolangMigrate,
		"m/20_t.up.sql", "CREATE TABLE t (id bigint, a int, b text);\n",
		"m/20_t.down.sql", "DROP TABLE t;\n",
		"m/21_change.up.sql", "ALTER TABLE t ADD COLUMN c int;\n",
		"m/21_change.down.sql", "ALTER TABLE t DROP COLUMN b; CREATE INDEX t_a_idx ON t (a);\n",
		"m/22_idx.up.sql", "ALTER TABLE t ADD COLUMN d int;\n",
		"m/22_idx.down.sql", "CREATE INDEX t_b_idx ON t (b);\n",
	)
	assert.Equal(t, []string{"m/20_t.down.sql", "m/20_t.up.sql", "m/21_change.down.sql", "m/21_change.up.sql", "m/22_idx.down.sql", "m/22_idx.up.sql"}, names(files))
	assert.Contains(t, files["m/21_change.down.sql"], "CREATE INDEX t_a_idx ON t (a);", "the two-statement down keeps its index build")
	assert.Contains(t, strings.Join(skippedFor(res, "require-concurrent-index"), "\n"),
		"m/21_change.down.sql: cannot split the migration mechanically: a down migration cannot be split into new migrations")
	assert.Contains(t, files["m/22_idx.down.sql"], "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b_idx ON t (b);", "a down of one statement is one query of one statement")
}

// TestDbmateSplitKeepsItsBlocks: the file a dbmate split leaves keeps its
// up and down blocks, and every new file has both.
func TestDbmateSplitKeepsItsBlocks(t *testing.T) {
	_, files := fixWith(t, tool.Dbmate,
		"db/migrations/20240101000000_t.sql", "-- migrate:up\nCREATE TABLE t (id bigint, a int);\n\n-- migrate:down\nDROP TABLE t;\n",
		"db/migrations/20240102000000_idx.sql", "-- migrate:up\nCREATE INDEX t_a_idx ON t (a);\nALTER TABLE t ADD COLUMN b int;\n\n-- migrate:down\nALTER TABLE t DROP COLUMN b;\nDROP INDEX t_a_idx;\n",
	)
	// The index, first, stays in the original, whose up block then runs
	// without a transaction; the rest moves to a new migration.
	orig := files["db/migrations/20240102000000_idx.sql"]
	assert.True(t, strings.HasPrefix(orig, "-- migrate:up transaction:false\n"), "the original keeps its up block:\n%s", orig)
	assert.Contains(t, orig, "CREATE INDEX CONCURRENTLY")
	assert.Contains(t, orig, "-- migrate:down\n")
	require.Contains(t, files, "db/migrations/20240102000001_idx.sql")
	assert.Contains(t, files["db/migrations/20240102000001_idx.sql"], "-- migrate:up\n")
	assert.Contains(t, files["db/migrations/20240102000001_idx.sql"], "ADD COLUMN b int;")
	// The checks of fixWith found no file that dbmate refuses.
}

// TestDbmateFileWithoutBlocks: a file with no -- migrate:up line, which
// dbmate refuses, has no marker to add transaction:false to; its first
// line is never taken for one, and fix converges.
func TestDbmateFileWithoutBlocks(t *testing.T) {
	_, files := fixWithout(t, tool.Dbmate,
		"db/20240101000000_idx.sql", "-- an index\nCREATE INDEX CONCURRENTLY t_a_idx ON t (a);\n",
	)
	assert.NotContains(t, files["db/20240101000000_idx.sql"], "transaction:false")
	require.Contains(t, files, "db/20240101000001_idx.sql")
	assert.True(t, strings.HasPrefix(files["db/20240101000001_idx.sql"], "-- migrate:up transaction:false\n"), files["db/20240101000001_idx.sql"])
}

// TestTransactionPerFileLeavesAdvice: a runner that wraps each file in a
// transaction has no way out: the index is advice, with the reason.
func TestTransactionPerFileLeavesAdvice(t *testing.T) {
	res, files := fixWith(t, tool.TransactionPerFile,
		"m/001_t.sql", "CREATE TABLE t (id bigint, a int);\n",
		"m/002_idx.sql", "CREATE INDEX t_a_idx ON t (a);\n",
	)
	assert.NotContains(t, files["m/002_idx.sql"], "CONCURRENTLY")
	assert.Equal(t, []string{"m/002_idx.sql: cannot split the migration mechanically: the runner wraps each file in one transaction, with no way out"},
		skippedFor(res, "require-concurrent-index"))
}

// TestGuessedToolLeavesAdvice: under a guess, nothing that depends on the
// transaction is rewritten.
func TestGuessedToolLeavesAdvice(t *testing.T) {
	res, files := fixWith(t, nil,
		"m/1_t.up.sql", "CREATE TABLE t (id bigint, a int);\n",
		"m/2_idx.up.sql", "SET lock_timeout = '2s';\nCREATE INDEX t_a_idx ON t (a);\n",
	)
	assert.NotContains(t, files["m/2_idx.up.sql"], "CONCURRENTLY")
	got := skippedFor(res, "require-concurrent-index")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "pgsafe only guessed that golang-migrate runs this file")
}

// TestManySplitsInOneRound: a file with a hazard in every statement is
// rewritten in one round, not one split per round.
func TestManySplitsInOneRound(t *testing.T) {
	var b strings.Builder
	for _, c := range "abcdefghijkl" {
		b.WriteString("CREATE INDEX t_" + string(c) + "_idx ON t (" + string(c) + ");\n")
	}
	res, files := fixWith(t, tool.GolangMigrate,
		"m/20240101000000_t.up.sql", "CREATE TABLE t (a int, b int, c int, d int, e int, f int, g int, h int, i int, j int, k int, l int);\n",
		"m/20240101000000_t.down.sql", "DROP TABLE t;\n",
		"m/20240102000000_idx.up.sql", b.String(),
		"m/20240102000000_idx.down.sql", "SELECT 1;\n",
		"m/20240103000000_next.up.sql", "SELECT 1;\n",
		"m/20240103000000_next.down.sql", "SELECT 1;\n",
	)
	assert.LessOrEqual(t, res.Rounds, 3, "rounds")
	assert.Equal(t, 12, countApplied(res, "require-concurrent-index"))
	// The first index stays in the file (one statement runs outside a
	// transaction); the eleven others get a version each, right after it.
	assert.Equal(t, 1, strings.Count(files["m/20240102000000_idx.up.sql"], "CREATE INDEX CONCURRENTLY"))
	for v := 20240102000001; v <= 20240102000011; v++ {
		up := "m/" + strconvItoa(v) + "_idx.up.sql"
		assert.Equal(t, 1, strings.Count(files[up], "CREATE INDEX CONCURRENTLY"), up)
		assert.Contains(t, files, "m/"+strconvItoa(v)+"_idx.down.sql")
	}

	// With no room for new versions, the splits say so.
	res, _ = fixWith(t, tool.GolangMigrate,
		"m/1_t.up.sql", "CREATE TABLE t (a int, b int);\n",
		"m/1_t.down.sql", "DROP TABLE t;\n",
		"m/2_idx.up.sql", "CREATE INDEX t_a_idx ON t (a);\nCREATE INDEX t_b_idx ON t (b);\n",
		"m/2_idx.down.sql", "SELECT 1;\n",
		"m/3_next.up.sql", "SELECT 1;\n",
		"m/3_next.down.sql", "SELECT 1;\n",
	)
	assert.Equal(t, []string{
		"m/2_idx.up.sql: cannot split the migration mechanically: version 3 is taken, so no version fits right after 2",
		"m/2_idx.up.sql: cannot split the migration mechanically: version 3 is taken, so no version fits right after 2",
	}, skippedFor(res, "require-concurrent-index"))
}

func strconvItoa(v int) string { return strconv.Itoa(v) }

func countApplied(res *rewrite.Result, rule string) int {
	n := 0
	for _, a := range res.Applied {
		if a.Rule.Name == rule {
			n++
		}
	}
	return n
}

// TestGooseEnclosesBodies: goose cuts a statement at every line that ends
// with a semicolon, so the bodies that fixes write (a trigger function,
// a batched backfill's DO block) go between StatementBegin and
// StatementEnd annotations, which fixWith's check of the fixed files
// holds goose to.
func TestGooseEnclosesBodies(t *testing.T) {
	_, files := fixWith(t, tool.Goose,
		"db/001_accounts.sql", "-- +goose Up\nCREATE TABLE accounts (id bigint PRIMARY KEY, balance integer, plan text);\n",
		"db/002_balance.sql", "-- +goose Up\nALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\nUPDATE accounts SET plan = 'free';\n",
	)
	got := files["db/002_balance.sql"]
	assert.Equal(t, 3, strings.Count(got, "-- +goose StatementBegin\n"), got)
	assert.Equal(t, 3, strings.Count(got, "-- +goose StatementEnd\n"), got)
	assert.Contains(t, got, "BEGIN;\n-- pgsafe: the type change, online", "the comment that leads a step stays inside its transaction's BEGIN when BEGIN comes first")
}

// TestGooseAnnotationOnItsOwnLine: a comment after a statement whose
// steps end with a body enclosed in StatementBegin and StatementEnd moves
// to the next line, since goose refuses an annotation line with more on
// it.
func TestGooseAnnotationOnItsOwnLine(t *testing.T) {
	_, files := fixWith(t, tool.Goose,
		"db/001_accounts.sql", "-- +goose Up\nCREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\n",
		"db/002_plan.sql", "-- +goose Up\nUPDATE accounts SET plan = 'free'; -- every account starts free\n",
	)
	got := files["db/002_plan.sql"]
	assert.Contains(t, got, "-- +goose StatementEnd\n -- every account starts free\n", got)
}

// TestStepsWaitForFixesOfEarlierMigrations: the steps of a rename are
// written from the catalog; when a fix of an earlier migration changes
// the column (prefer-identity makes the serial an identity column), the
// rename is planned on the schema that fix leaves, next round: here, an
// identity column, which the rewrite leaves to a human, rather than steps
// that hand over a serial's sequence that no longer is one.
func TestStepsWaitForFixesOfEarlierMigrations(t *testing.T) {
	res, files := fixWith(t, tool.Goose,
		"db/001_accounts.sql", "-- +goose Up\nCREATE TABLE accounts (id bigint PRIMARY KEY, n serial);\n",
		"db/002_rename.sql", "-- +goose Up\nALTER TABLE accounts RENAME COLUMN n TO position;\n",
	)
	require.Contains(t, files["db/001_accounts.sql"], "generated by default as identity", "prefer-identity fixed the earlier migration")
	assert.NotContains(t, files["db/002_rename.sql"], "ALTER SEQUENCE")
	assert.Equal(t, []string{"db/001_accounts.sql", "db/002_rename.sql"}, names(files))
	var titles []string
	for _, s := range res.Skipped {
		if s.Rule.Name == "rename-column" {
			titles = append(titles, s.Title)
		}
	}
	require.Len(t, titles, 1)
	assert.Contains(t, titles[0], "n is an identity column")
}
