package corpus_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/trace"
)

// TestHydraTrace runs Hydra's migrations on PostgreSQL, the way popx runs
// them, and checks the lock model against every statement: the only
// locks it may miss are those of DROP ... CASCADE, which reach whatever
// depends on the dropped object.
func TestHydraTrace(t *testing.T) {
	dir := filepath.Join(corpus.Locate(t), "ory__hydra", "persistence", "sql", "migrations")
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	migrations := lint.Run(files, lint.Options{KeepTrees: true, SkipDown: true}).Files
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := trace.Run(ctx, pgtest.NewTarget(t), migrations, trace.Options{})
	require.NoError(t, err)
	var statements, rewrites int
	for _, f := range res.Files {
		statements += len(f.Statements)
		for _, st := range f.Statements {
			for _, s := range st.Scans {
				if s.Rewritten && !s.NewInFile {
					rewrites++
				}
			}
			if len(st.Mismatches) > 0 && !strings.Contains(strings.ToUpper(st.SQL), "CASCADE") {
				t.Errorf("%s:%d: %s: the model misses %v", filepath.Base(f.Path), st.Line, st.SQL, st.Mismatches)
			}
		}
	}
	t.Logf("hydra on PostgreSQL %s: %d statements in %d files, %d rewrites of tables that existed before, %d mismatches (DROP ... CASCADE)",
		res.Server, statements, len(res.Files), rewrites, len(res.Mismatches()))
	assert.Greater(t, statements, 400)
}
