package toolrun_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/toolrun"
)

// expandContractCase is a rule fixture whose fix writes an expand part in
// place and a contract migration, run by its tool.
type expandContractCase struct {
	fixture string // a folder under fixtures/rules, with goldens
	tool    *toolrun.Tool
	// seed runs after migration version seedAfter, to give the backfill
	// rows to copy.
	seedAfter, seed string
	// check must return true after every up.
	check string
	// noUpTo says that the tool cannot stop at a version.
	noUpTo bool
	// originalFails says that the original cannot run (a type change of a
	// column that a view reads); the fixed project's schema is then only
	// checked by check (TestFixesOnPostgres compares it with the
	// original's, changed by hand).
	originalFails bool
}

var expandContractCases = []expandContractCase{
	{
		fixture: "rename-column/goose", tool: toolrun.Goose, seedAfter: "1",
		seed: "INSERT INTO teams SELECT g FROM generate_series(1, 5) g; " +
			"INSERT INTO accounts (id, name, email, team_id) SELECT g * 7, 'user ' || g, 'u' || g || '@example.com', g % 5 + 1 FROM generate_series(1, 2500) g",
		check: "SELECT count(*) = 2500 AND bool_and(full_name = 'user ' || id / 7 AND email_address = 'u' || id / 7 || '@example.com' AND team = id / 7 % 5 + 1) FROM accounts",
	},
	{
		fixture: "rename-column/golang-migrate", tool: toolrun.Migrate, seedAfter: "1",
		seed:  "INSERT INTO accounts (id, name) SELECT g, 'user ' || g FROM generate_series(1, 2500) g",
		check: "SELECT count(*) = 2500 AND bool_and(full_name = 'user ' || id) FROM accounts",
	},
	{
		fixture: "rename-column/dbmate", tool: toolrun.Dbmate, seedAfter: "20240101000000", noUpTo: true,
		seed:  "INSERT INTO accounts (id, name) SELECT g, 'user ' || g FROM generate_series(1, 2500) g",
		check: "SELECT count(*) = 2500 AND bool_and(full_name = 'user ' || id) FROM accounts",
	},
	{
		fixture: "column-type-change/contract", tool: toolrun.Goose, seedAfter: "1", originalFails: true,
		seed: "INSERT INTO accounts (id, balance, code) SELECT g, g % 900, 'c' || g FROM generate_series(1, 2500) g",
		check: "SELECT count(*) = 2500 AND bool_and(balance = id % 900 AND code = 'c' || id) " +
			"AND NOT EXISTS (SELECT FROM information_schema.columns WHERE table_name = 'accounts' AND column_name LIKE '%pgsafe%') " +
			"AND (SELECT string_agg(data_type, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 'accounts') = 'bigint,character varying,bigint,bigint' " +
			"FROM accounts",
	},
}

// TestExpandContractRunsInItsTool runs the fixed migrations of each
// expand/contract fixture with the real tool, the way a team does: up to
// the end (the expand, then the contract migration), down one step at a
// time to the start, and up again. Every step must succeed and leave no
// invalid index; after each up, the data must be kept (check) and the
// schema must be the original's but for the order of the columns.
//
// A tool runs only when PGSAFE_MIGRATION_TOOLS names it (.ci/tools sets
// it); the others skip their case.
func TestExpandContractRunsInItsTool(t *testing.T) {
	for _, tc := range expandContractCases {
		t.Run(tc.fixture+"/"+tc.tool.Name, func(t *testing.T) {
			exe := findTool(t, tc.tool)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			if err := runExpandContract(ctx, t, tc, exe); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func runExpandContract(ctx context.Context, t *testing.T, tc expandContractCase, exe string) error {
	src := "../../fixtures/rules/" + tc.fixture
	original, fixed := copyFixture(t, src, false), copyFixture(t, src, true)
	skip := tc.tool.Bookkeeping.DumpArgs()
	empty := dump(ctx, t, pgtest.NewDatabase(t), skip...)
	upSeeded := func(r *toolrun.Run) error {
		if v, err := r.Version(ctx); err != nil || v != "" {
			return fmt.Errorf("before the first up: version %q, %v", v, err)
		}
		// A tool that cannot stop at a version (dbmate) runs a folder that
		// holds only the migrations up to it.
		upTo := func(ctx context.Context) error { return r.UpTo(ctx, tc.seedAfter) }
		if tc.noUpTo {
			upTo = func(ctx context.Context) error {
				first := *r
				first.Dir = firstMigrations(t, r.Dir, tc.seedAfter)
				return first.Up(ctx)
			}
		}
		if err := step(ctx, t, "up to "+tc.seedAfter, upTo); err != nil {
			return err
		}
		exec(ctx, t, r.URL, tc.seed)
		return step(ctx, t, "up", r.Up)
	}
	want := ""
	if !tc.originalFails {
		orig := &toolrun.Run{Tool: tc.tool, Exe: exe, Project: original, Dir: original, URL: pgtest.NewDatabase(t)}
		require.NoError(t, upSeeded(orig), "the original")
		want = dump(ctx, t, orig.URL, skip...)
	}
	run := &toolrun.Run{Tool: tc.tool, Exe: exe, Project: fixed, Dir: fixed, URL: pgtest.NewDatabase(t)}
	checkUp := func(after string) (string, error) {
		v, err := checkState(ctx, run, after, "")
		if err != nil {
			return "", err
		}
		if !queryBool(ctx, t, run.URL, tc.check) {
			return "", fmt.Errorf("after %s: the data is not kept: %s is false", after, tc.check)
		}
		if want != "" {
			got := dump(ctx, t, run.URL, skip...)
			if lines, ok := schemadiff.ColumnOrder(want, got); !ok && got != want {
				return "", fmt.Errorf("after %s, the schema differs from the original's:\n%s", after, schemadiff.Diff("original", want, "fixed", got))
			} else if ok {
				t.Logf("after %s, columns in another order: %v", after, lines)
			}
		}
		return v, nil
	}
	if err := upSeeded(run); err != nil {
		return err
	}
	last, err := checkUp("up")
	if err != nil {
		return err
	}
	for v, steps := last, 0; v != ""; steps++ {
		if steps > 50 {
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
		return fmt.Errorf("after the rollbacks, the schema is not empty:\n%s", d)
	}
	if err := upSeeded(run); err != nil {
		return fmt.Errorf("up again: %w", err)
	}
	again, err := checkUp("up again")
	if err != nil {
		return err
	}
	if again != last {
		return fmt.Errorf("up again stops at version %q, the first up at %q", again, last)
	}
	return nil
}

// firstMigrations copies the files of dir whose names start with version
// into a new folder.
func firstMigrations(t *testing.T, dir, version string) string {
	t.Helper()
	out := t.TempDir()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), version+"_") {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(out, e.Name()), b, 0o644))
		}
	}
	return out
}
