package lint_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/baseline"
	"github.com/pgsafe/pgsafe/internal/corpustest"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// replaySet lints the migrations under dir with no rule enabled, as the
// CLI reads them (dialect selection, down migrations left out), and
// returns the catalog they leave.
func replaySet(t *testing.T, dir string) *schema.Catalog {
	t.Helper()
	files, errs := source.Load([]string{dir}, source.Options{})
	require.Empty(t, errs)
	res := lint.Run(files, lint.Options{Known: rules.All(), SkipDown: true})
	for _, f := range res.Files {
		require.Nil(t, f.SyntaxError, f.Path)
	}
	return res.History.Final()
}

// loadDump replays a pg_dump --schema-only file.
func loadDump(t *testing.T, path string) *schema.Catalog {
	t.Helper()
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	cat, err := baseline.FromDump(path, string(text))
	require.NoError(t, err)
	return cat
}

// TestHydraReplayMatchesItsDump replays Hydra's whole migration set and
// compares the tables it leaves with the final schema Hydra ships.
func TestHydraReplayMatchesItsDump(t *testing.T) {
	dir := corpustest.Dir(t, "ory__hydra")
	got := replaySet(t, filepath.Join(dir, "persistence", "sql", "migrations"))
	want := loadDump(t, filepath.Join(dir, "internal", "testhelpers", "sql_schemas", "postgres_dump.sql"))
	assert.Empty(t, schema.Diff(got, want, "public.schema_migration"))
	assert.Len(t, want.Tables(), 16)
	t.Logf("%d tables: same columns in the same order, types, nullability, defaults, indexes and constraints", len(want.Tables())-1)
}
