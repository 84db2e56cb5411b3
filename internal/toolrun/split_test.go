package toolrun_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/toolrun"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// splitCase is a rule fixture to run with its framework.
type splitCase struct {
	fixture string // a folder under fixtures/rules
	tool    *toolrun.Tool
	// setup creates what the fixture uses but does not create.
	setup string
	// seed runs after migration version seedAfter, to give the later
	// migrations rows to work on.
	seedAfter, seed string
	// check is a query that must return true on both databases after the
	// run, when set.
	check string
	// originalFails says that the original cannot run by design; its
	// statements then run one at a time, outside any transaction, for the
	// schema to compare with.
	originalFails bool
}

// splitCases are the rule fixtures whose fixes split a file or take a
// statement out of its transaction, each run by its framework: by the
// tool itself where it is a command, else the way the framework's library
// sends the files (package apply: popx sends an .autocommit. file as one
// multi-statement query, Flyway honours executeInTransaction=false).
var splitCases = []splitCase{
	{fixture: "require-concurrent-index/goose-gap", tool: toolrun.Goose},
	{fixture: "require-concurrent-index/golang-migrate", tool: toolrun.Migrate},
	{
		// The batched backfill commits inside a DO block, which runs only
		// outside a transaction block: golang-migrate must send it alone.
		fixture: "whole-table-update-or-delete/golang-migrate", tool: toolrun.Migrate,
		seedAfter: "1", seed: "INSERT INTO accounts SELECT g, 'plan' || g % 3 FROM generate_series(1, 2500) g",
		check: "SELECT count(*) = 2500 AND bool_and(tier = plan) FROM accounts",
	},
	{fixture: "require-concurrent-index/dbmate", tool: toolrun.Dbmate},
	// The column moves: expand (sync trigger, batched backfill) and the
	// contract migration, run to the end.
	{
		fixture: "contract-before-expand/goose-column", tool: toolrun.Goose,
		seedAfter: "1", seed: moveSeeds["goose-column"],
		check: "SELECT count(*) = 2500 AND bool_and(email_address = lower('User' || (id / 3) || '@Example.com')) FROM users",
	},
	{
		fixture: "contract-before-expand/golang-migrate", tool: toolrun.Migrate,
		seedAfter: "1", seed: moveSeeds["golang-migrate"],
		check: "SELECT count(*) = 2500 AND bool_and(email = 'user' || account_id || '@example.com') FROM profiles",
	},
	// dbmate cannot stop after a version to seed rows: the schema only.
	{fixture: "contract-before-expand/dbmate", tool: toolrun.Dbmate},
	{fixture: "require-concurrent-index/flyway"},
	{
		fixture:       "concurrently-in-transaction/popx",
		setup:         "CREATE TABLE accounts (id bigint PRIMARY KEY, handle text, name text, plan text); CREATE INDEX accounts_name_idx ON accounts (name);",
		originalFails: true,
	},
}

// TestSplitFilesRunInTheirFramework runs the original and the fixed
// migrations of each fixture the way its framework runs them, and checks
// that the fixed ones run and leave the original's schema.
func TestSplitFilesRunInTheirFramework(t *testing.T) {
	for _, tc := range splitCases {
		name := tc.fixture
		if tc.tool != nil {
			name += "/" + tc.tool.Name
		}
		t.Run(name, func(t *testing.T) {
			if err := runSplitCase(t, tc); err != nil {
				t.Error(err)
			}
		})
	}
}

// runSplitCase runs the original and the fixed migrations of a case on
// fresh databases and returns how the fixed ones fail or differ.
func runSplitCase(t *testing.T, tc splitCase) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	src := filepath.Join("..", "..", "fixtures", "rules", tc.fixture)
	original, fixed := copyFixture(t, src, false), copyFixture(t, src, true)
	run := runner(t, tc)

	a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
	for _, url := range []string{a, b} {
		exec(ctx, t, url, tc.setup)
	}
	err := run(ctx, original, a)
	if tc.originalFails {
		require.Error(t, err, "the original runs, but the case says it fails")
		a = pgtest.NewDatabase(t)
		exec(ctx, t, a, tc.setup)
		require.NoError(t, applyDir(ctx, a, original, true))
	} else {
		require.NoError(t, err, "the original")
	}
	if err := run(ctx, fixed, b); err != nil {
		return fmt.Errorf("the fixed migrations: %w", err)
	}
	if tc.check != "" {
		for _, url := range []string{a, b} {
			require.True(t, queryBool(ctx, t, url, tc.check), "%s on %s", tc.check, url)
		}
	}
	if d := schemadiff.Diff("original", dump(ctx, t, a), "fixed", dump(ctx, t, b)); d != "" {
		return fmt.Errorf("the fixed migrations leave another schema:\n%s", d)
	}
	return nil
}

// runner returns how to run a folder on a database for tc: with its tool,
// seeding after its version, or with package apply when it names none. A
// tool that is not installed skips the test, unless the CI script
// installed it.
func runner(t *testing.T, tc splitCase) func(ctx context.Context, dir, url string) error {
	t.Helper()
	if tc.tool == nil {
		return func(ctx context.Context, dir, url string) error { return applyDir(ctx, url, dir, false) }
	}
	path := findTool(t, tc.tool)
	return func(ctx context.Context, dir, url string) error {
		r := &toolrun.Run{Tool: tc.tool, Exe: path, Project: dir, Dir: dir, URL: url}
		if tc.seedAfter != "" {
			if err := r.UpTo(ctx, tc.seedAfter); err != nil {
				return err
			}
			exec(ctx, t, url, tc.seed)
		}
		return r.Up(ctx)
	}
}

// copyFixture copies the migration files of a fixture folder into a new
// folder: the originals, or with fixed, the fixed files, each X.golden in
// place of X.
func copyFixture(t *testing.T, src string, fixed bool) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		name := e.Name()
		golden := strings.HasSuffix(name, ".golden")
		if golden != fixed && (golden || fileExists(filepath.Join(src, name+".golden"))) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, strings.TrimSuffix(name, ".golden")), b, 0o644))
	}
	return dst
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// applyDir runs the up migrations of dir on the database at url as their
// framework sends them, or, with oneByOne, every statement on its own
// outside any transaction.
func applyDir(ctx context.Context, url, dir string, oneByOne bool) error {
	srcs, errs := source.Load([]string{dir}, source.Options{})
	if len(errs) > 0 {
		return errs[0]
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	for _, f := range lint.Run(srcs, lint.Options{KeepTrees: true, SkipDown: true}).Files {
		if oneByOne {
			for i := range f.Sections {
				f.Sections[i].Run = tool.Autocommit
			}
		}
		if err := apply.File(ctx, conn, f, apply.Options{}); err != nil {
			return err
		}
	}
	return nil
}

func exec(ctx context.Context, t *testing.T, url, sql string) {
	t.Helper()
	if sql == "" {
		return
	}
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, sql)
	require.NoError(t, err)
}

func queryBool(ctx context.Context, t *testing.T, url, sql string) bool {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var ok bool
	require.NoError(t, conn.QueryRow(ctx, sql).Scan(&ok))
	return ok
}

// findTool returns the path of tl's command. Running the tools is slow:
// a tool that PGSAFE_MIGRATION_TOOLS does not name (.ci/tools sets it)
// skips the test; one it names must be installed.
func findTool(t *testing.T, tl *toolrun.Tool) string {
	t.Helper()
	if !toolrun.Installed(tl) {
		t.Skipf("runs %s itself: name it in %s to run this test (source .ci/tools installs the tools and sets it)", tl.Name, toolrun.EnvInstalled)
	}
	path, err := toolrun.Find(tl)
	if err != nil {
		t.Fatalf("%v, yet %s names it", err, toolrun.EnvInstalled)
	}
	return path
}

// dump returns the normalised schema of the database at url; args are
// more pg_dump options.
func dump(ctx context.Context, t *testing.T, url string, args ...string) string {
	t.Helper()
	s, err := dumpErr(ctx, url, args...)
	require.NoError(t, err)
	return s
}

// dumpErr is dump for callers that report the error themselves.
func dumpErr(ctx context.Context, url string, args ...string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	var major int
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&major)
	_ = conn.Close(ctx)
	if err != nil {
		return "", err
	}
	pgDump, err := pgcluster.FindProgram("pg_dump", major)
	if err != nil {
		return "", err
	}
	target, err := pgtarget.Parse(url)
	if err != nil {
		return "", err
	}
	return schemadiff.Dump(ctx, pgDump, target, args...)
}
