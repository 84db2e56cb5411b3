package corpus_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/testenv"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/verify"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

var rePopxFile = regexp.MustCompile(`^(\d+)_([^.]+)(\.postgres)?(\.autocommit)?\.(up|down)\.sql$`)

// copyDir copies the .sql files of src into a new temporary folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	return dst
}

// fixWrite runs the fix engine with every rule on dir and writes the
// changed and created files, as `pgsafe fix --write` does.
func fixWrite(t *testing.T, dir string) *rewrite.Result {
	t.Helper()
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	res, err := rewrite.Fix(files, hydraOptions(), rewrite.Options{})
	require.NoError(t, err)
	for _, f := range res.Files {
		if f.Changed() {
			require.NoError(t, rewrite.WriteAtomic(f.Path, []byte(f.Fixed)))
		}
	}
	return res
}

// TestHydraFixAcceptance rewrites a copy of Hydra's migrations with
// `pgsafe fix --write` semantics and checks the result: no finding with a
// safe fix is left, every file parses, split files follow popx naming and
// sort right after the migration they came from, and a second run changes
// nothing. With PGSAFE_HEAVY_TESTS=1 and a PostgreSQL at hand it then
// applies the original and the rewritten up migrations, each the way popx
// runs it, and compares the schemas, and proves the rewrite as fix
// --verify does.
func TestHydraFixAcceptance(t *testing.T) {
	orig := filepath.Join(corpus.Locate(t), "ory__hydra", "persistence", "sql", "migrations")
	dir := copyDir(t, orig)
	res := fixWrite(t, dir)
	byRule := map[string]int{}
	var created []string
	for _, a := range res.Applied {
		byRule[a.Rule.Name]++
	}
	for _, f := range res.Files {
		if f.Created {
			created = append(created, filepath.Base(f.Path))
		}
	}
	t.Logf("hydra fix: %d fixes applied in %d rounds, %d files created, by rule: %v", len(res.Applied), res.Rounds, len(created), byRule)

	t.Run("no safe fix left", func(t *testing.T) {
		files, errs := source.Load([]string{dir}, source.Options{})
		require.Empty(t, errs)
		after := lint.Run(files, hydraOptions())
		for _, d := range after.Diagnostics {
			if len(d.Fixes) > 0 && d.Fixes[0].Safety == rules.Safe && len(d.Fixes[0].Edits) > 0 {
				t.Errorf("%s: %s still has a safe fix: %s", d.Path, d.Rule.Name, d.Fixes[0].Title)
			}
		}
	})

	t.Run("every file parses", func(t *testing.T) {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			assert.Nil(t, sqlparse.Parse(string(b)).Err, e.Name())
		}
	})

	t.Run("split files follow popx naming and order", func(t *testing.T) {
		require.NotEmpty(t, created)
		originals := map[string]bool{}
		var versions []string
		entries, err := os.ReadDir(orig)
		require.NoError(t, err)
		for _, e := range entries {
			if m := rePopxFile.FindStringSubmatch(e.Name()); m != nil && !originals[m[1]] {
				originals[m[1]] = true
				versions = append(versions, m[1])
			}
		}
		sort.Strings(versions) // popx compares versions as strings
		for _, name := range created {
			m := rePopxFile.FindStringSubmatch(name)
			if !assert.NotNil(t, m, "%s is not a popx migration name", name) {
				continue
			}
			assert.Equal(t, ".postgres", m[3], "%s: a split file is PostgreSQL's own", name)
			if originals[m[1]] {
				// PostgreSQL's own copy of a dialect-less file: the original
				// stays for the other databases.
				_, err := os.Stat(filepath.Join(orig, m[1]+"_"+m[2]+m[4]+"."+m[5]+".sql"))
				assert.NoError(t, err, "%s replaces no dialect-less file", name)
				continue
			}
			if m[5] == "down" {
				continue // the down of a new version, checked below
			}
			// It belongs right after the original version it extends.
			i := sort.SearchStrings(versions, m[1])
			require.Positive(t, i, name)
			base := versions[i-1]
			assert.True(t, strings.HasPrefix(m[1], base), "%s sorts after %s but does not extend it", name, base)
			if i < len(versions) {
				assert.Less(t, m[1], versions[i], name)
			}
		}
		// popx refuses an up migration without a down of its version.
		downs := map[string]bool{}
		ups := map[string]string{}
		all, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range all {
			if m := rePopxFile.FindStringSubmatch(e.Name()); m != nil {
				if m[5] == "down" {
					downs[m[1]] = true
				} else {
					ups[m[1]] = e.Name()
				}
			}
		}
		for v, name := range ups {
			assert.True(t, downs[v], "%s has no down migration of its version", name)
		}
		// The loader orders them the same way.
		files, _ := source.Load([]string{dir}, source.Options{})
		var loaded []string
		for _, f := range files {
			if m := rePopxFile.FindStringSubmatch(filepath.Base(f.Path)); m != nil && m[5] == "up" {
				loaded = append(loaded, m[1])
			}
		}
		assert.True(t, sort.StringsAreSorted(loaded), "the loader's order differs from popx's")
	})

	t.Run("a second fix changes nothing", func(t *testing.T) {
		again := fixWrite(t, dir)
		for _, f := range again.Files {
			assert.False(t, f.Changed(), "%s changed again", f.Path)
		}
	})

	t.Run("same schema on PostgreSQL", func(t *testing.T) {
		// fix --verify below compares the schemas too, and more.
		testenv.Heavy(t, "applies Hydra's migrations twice more")
		a, b := pgtest.NewDatabase(t), pgtest.NewDatabase(t)
		applyDir(t, a, orig)
		applyDir(t, b, dir)
		want := schemaDump(t, a)
		require.Contains(t, want, "CREATE TABLE public.hydra_oauth2_flow", "the original migrations built no schema")
		assert.Empty(t, schemadiff.Diff("original", want, "fixed", schemaDump(t, b)))
	})

	t.Run("fix --verify", func(t *testing.T) {
		testenv.Heavy(t, "runs Hydra's migrations twice, then rolls them back version by version")
		original, rewritten, targets := verify.FromFix(res, hydraOptions())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		rep, err := verify.Run(ctx, original, rewritten, verify.Options{AdminURL: pgtest.URL(t), Targets: targets, Rollback: true})
		require.NoError(t, err)
		if !assert.True(t, rep.OK(), "%v", rep.Failures()) && rep.Rollback != nil {
			t.Logf("rollback: %+v", *rep.Rollback)
		}
		left := 0
		for _, st := range rep.Rewrite {
			if st.Blocks {
				left++
			}
		}
		t.Logf("hydra fix --verify: %d statements of the original block writes while they scan; in the rewrite, %d statements of changed files are judged, %d left as they were still do",
			len(rep.Original), len(rep.Rewrite), left)
		require.NotNil(t, rep.Rollback)
		assert.Positive(t, rep.Rollback.Steps)
		t.Logf("hydra rollback: %d versions of the rewrite rolled back one at a time (%d with a down of their own), the same schemas after each; stopped where the original's own rollback fails: %s",
			rep.Rollback.Steps, rep.Rollback.Versions, rep.Rollback.OriginalStops)
	})
}

// applyDir runs the up migrations of dir in order on the database at url,
// the way popx runs them.
func applyDir(t *testing.T, url, dir string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	res := lint.Run(files, lint.Options{KeepTrees: true, SkipDown: true, Rule: rules.Options{PGVersion: 15}, Tools: hydraOptions().Tools})
	for _, f := range res.Files {
		require.NoError(t, apply.File(ctx, conn, f, apply.Options{}), "applying %s", filepath.Base(f.Path))
	}
	require.Equal(t, tool.Popx, res.Files[0].Tool)
}

// schemaDump returns the normalised schema of the database at url.
func schemaDump(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pgDump, err := pgcluster.FindProgram("pg_dump", 0)
	require.NoError(t, err)
	target, err := pgtarget.Parse(url)
	require.NoError(t, err)
	dump, err := schemadiff.Dump(ctx, pgDump, target)
	require.NoError(t, err)
	return dump
}
