package toolrun_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/toolrun"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// acceptanceCase is a project under fixtures/tools, laid out as its tool
// expects (config, plan or journal files beside the migrations), whose
// migrations do what teams do and what pgsafe fixes: tables created and
// filled by early migrations, then indexes built on them, a foreign key
// added, a column made NOT NULL, indexes dropped in downs and built in
// downs, several statements to a file.
type acceptanceCase struct {
	tool *toolrun.Tool
	// fixture is the project's folder under fixtures/tools.
	fixture string
	// more are texts that the fixed project holds more often than the
	// original: the fix did something.
	more []string
	// knownBug, when set, matches how the fixed project fails today
	// because of a bug in pgsafe's fix, which the note names. The test
	// checks that it still fails that way: when the bug is fixed, the
	// test fails until the entry goes.
	knownBug *regexp.Regexp
	note     string
}

var acceptanceCases = []acceptanceCase{
	{tool: toolrun.Goose, fixture: "goose", more: []string{"CONCURRENTLY", "-- +goose NO TRANSACTION", "NOT VALID"}},
	{tool: toolrun.Migrate, fixture: "golang-migrate", more: []string{"CONCURRENTLY", ".up.sql"}},
	{tool: toolrun.Dbmate, fixture: "dbmate", more: []string{"CONCURRENTLY", "transaction:false"}},
	{tool: toolrun.Sqitch, fixture: "sqitch", more: []string{"CONCURRENTLY", "NOT VALID"}},
	// pop runs every migration in a transaction: pgsafe cannot build an
	// index concurrently there, but splits the foreign key and NOT NULL
	// into migrations of their own.
	{tool: toolrun.Soda, fixture: "soda", more: []string{"NOT VALID", "lock_timeout"}},
	// drizzle-kit runs every pending migration in one transaction, with
	// no rollback: pgsafe can only set a lock_timeout, and the fixed
	// project only runs up, and up again as a no-op.
	{tool: toolrun.Drizzle, fixture: "drizzle", more: []string{"lock_timeout"}},
	{tool: toolrun.Liquibase, fixture: "liquibase", more: []string{"CONCURRENTLY", "runInTransaction:false", "NOT VALID"}},
}

// TestToolsRunFixedProjects runs pgsafe's fix on each tool's project, as
// `pgsafe fix --write --framework X` does, then runs the fixed project with
// the real tool on a fresh database the way a team does: up to the end,
// down one step at a time to the start, and up again. Every step must
// succeed and leave no invalid index; the schema after each up must be
// the one the original project leaves when the same tool runs it, and
// the schema after the last down an empty one. PostgreSQL refuses CREATE
// and DROP INDEX CONCURRENTLY inside a transaction block, so a run that
// succeeds ran each of them outside one.
//
// A tool runs only when PGSAFE_MIGRATION_TOOLS names it (.ci/tools sets
// it), and then must be installed; the others skip their case.
func TestToolsRunFixedProjects(t *testing.T) {
	for _, tc := range acceptanceCases {
		t.Run(tc.tool.Name, func(t *testing.T) {
			t.Parallel()
			exe := findTool(t, tc.tool)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			runAcceptance(ctx, t, tc, exe)
		})
	}
}

func runAcceptance(ctx context.Context, t *testing.T, tc acceptanceCase, exe string) {
	src := filepath.Join("..", "..", "fixtures", "tools", tc.fixture)
	original, fixed := copyTree(t, src), copyTree(t, src)
	res := fixProject(t, tc.tool, fixed)
	for _, text := range tc.more {
		require.Greater(t, strings.Count(readTree(t, fixed), text), strings.Count(readTree(t, original), text),
			"the fixed project holds %q more often than the original", text)
	}
	t.Logf("fix: %d fixes applied, %d files changed or created", len(res.Applied), changedFiles(res))

	// The schema the original project leaves, and an empty one, both
	// without the tool's bookkeeping.
	skip := tc.tool.Bookkeeping.DumpArgs()
	empty := dump(ctx, t, pgtest.NewDatabase(t), skip...)
	orig := &toolrun.Run{Tool: tc.tool, Exe: exe, Project: original, URL: pgtest.NewDatabase(t)}
	require.NoError(t, step(ctx, t, "original: up", orig.Up), "the original project")
	want := dump(ctx, t, orig.URL, skip...)

	run := &toolrun.Run{Tool: tc.tool, Exe: exe, Project: fixed, URL: pgtest.NewDatabase(t)}
	err := cycle(ctx, t, run, want, empty)
	switch {
	case tc.knownBug != nil && err == nil:
		t.Fatalf("the fixed project now runs: the known bug (%s) is fixed; remove knownBug from its case", tc.note)
	case tc.knownBug != nil && !tc.knownBug.MatchString(err.Error()):
		t.Fatalf("the fixed project fails, but not as the known bug (%s) does:\n%v", tc.note, err)
	case tc.knownBug != nil:
		t.Logf("known bug (%s):\n%v", tc.note, err)
	case err != nil:
		t.Fatalf("the fixed project: %v", err)
	default:
	}
}

// cycle runs the project up to the end, down one step at a time to the
// start, and up again (or, for a tool that cannot roll back, up and up
// again), checking each step.
func cycle(ctx context.Context, t *testing.T, run *toolrun.Run, want, empty string) error {
	skip := run.Tool.Bookkeeping.DumpArgs()
	if err := step(ctx, t, "up", run.Up); err != nil {
		return err
	}
	last, err := checkState(ctx, run, "up", want)
	if err != nil {
		return err
	}
	if last == "" {
		return errors.New("after up, the tool reports no migration applied")
	}
	if !run.Tool.Rollback {
		t.Logf("%s has no rollback: up again must change nothing", run.Tool.Name)
	} else {
		steps := 0
		for v := last; v != ""; steps++ {
			if steps > 100 {
				return fmt.Errorf("still at version %s after %d rollbacks", v, steps)
			}
			if err := step(ctx, t, "down from "+v, run.Down); err != nil {
				return err
			}
			next, err := checkState(ctx, run, "down from "+v, "")
			if err != nil {
				return err
			}
			if next == v {
				return fmt.Errorf("down from %s: the tool still reports version %s", v, v)
			}
			v = next
		}
		if d := schemadiff.Diff("empty", empty, "after the last down", dump(ctx, t, run.URL, skip...)); d != "" {
			return fmt.Errorf("after %d rollbacks, the schema is not empty:\n%s", steps, d)
		}
		t.Logf("rolled back in %d steps", steps)
	}
	if err := step(ctx, t, "up again", run.Up); err != nil {
		return err
	}
	again, err := checkState(ctx, run, "up again", want)
	if err != nil {
		return err
	}
	if again != last {
		return fmt.Errorf("up again stops at version %q, the first up at %q", again, last)
	}
	return nil
}

// step runs one of the tool's commands and logs how long it took.
func step(ctx context.Context, t *testing.T, what string, f func(context.Context) error) error {
	start := time.Now()
	err := f(ctx)
	t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// checkState checks the database after a step: no invalid index, and,
// when want is set, the schema want. It returns the tool's version.
func checkState(ctx context.Context, run *toolrun.Run, after, want string) (string, error) {
	v, err := run.Version(ctx)
	if err != nil {
		return "", fmt.Errorf("after %s: %w", after, err)
	}
	if n, err := invalidIndexes(ctx, run.URL); err != nil || n != "" {
		return "", fmt.Errorf("after %s: invalid indexes %q (%v)", after, n, err)
	}
	if want != "" {
		got, err := dumpErr(ctx, run.URL, run.Tool.Bookkeeping.DumpArgs()...)
		if err != nil {
			return "", err
		}
		if d := schemadiff.Diff("original", want, "fixed", got); d != "" {
			return "", fmt.Errorf("after %s (version %s), the schema differs from the original's:\n%s", after, v, d)
		}
	}
	return v, nil
}

// invalidIndexes names the invalid indexes of the database: what a failed
// CREATE INDEX CONCURRENTLY leaves behind.
func invalidIndexes(ctx context.Context, url string) (string, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(context.Background()) }()
	var names string
	err = conn.QueryRow(ctx, `SELECT coalesce(string_agg(indexrelid::regclass::text, ', '), '') FROM pg_index WHERE NOT indisvalid`).Scan(&names)
	return names, err
}

// fixProject runs pgsafe's fix on the project at root with tl's framework
// named, and writes every changed and created file, as
// `pgsafe fix --write --framework NAME` does.
func fixProject(t *testing.T, tl *toolrun.Tool, root string) *rewrite.Result {
	t.Helper()
	var inputs []string
	for _, m := range tl.Migrations {
		inputs = append(inputs, filepath.Join(root, m))
	}
	files, errs := source.Load(inputs, source.Options{})
	require.Empty(t, errs)
	opts := lint.Options{
		Rules: rules.All(),
		Known: rules.All(),
		Rule:  rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000},
		Tools: []tool.Setting{{Tool: tl.Framework, Source: tool.FromFlag}},
	}
	res, err := rewrite.Fix(files, opts, rewrite.Options{})
	require.NoError(t, err)
	for _, f := range res.Files {
		if !f.Changed() || f.SyntaxError {
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(f.Path), 0o755))
		require.NoError(t, rewrite.WriteAtomic(f.Path, []byte(f.Fixed)))
	}
	return res
}

func changedFiles(res *rewrite.Result) int {
	n := 0
	for _, f := range res.Files {
		if f.Changed() {
			n++
		}
	}
	return n
}

// copyTree copies the folder src into a new temporary folder.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	return dst
}

// readTree returns the text of every file under root.
func readTree(t *testing.T, root string) string {
	t.Helper()
	var all strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		all.WriteString(p + "\n")
		all.Write(b)
		return err
	})
	require.NoError(t, err)
	return all.String()
}
