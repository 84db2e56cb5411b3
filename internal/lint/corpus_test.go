package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
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

// columnShape describes what a dump says of a column: its type, whether
// it is NOT NULL, and whether it has a default, a generation expression or
// an identity (their texts differ between the SQL written and the SQL
// pg_dump prints).
func columnShape(c *schema.Column) string {
	return fmt.Sprintf("%s %s%v notnull=%v default=%v generated=%v identity=%q",
		c.Name, c.Type, c.Mods, c.NotNull, c.Default != "", c.Generated != "", c.Identity)
}

// compareCatalogs checks that got, replayed from migrations, has the same
// tables as want, replayed from a dump: each with the same columns in the
// same order (names first, then their shapes), indexes and constraints.
// ignore lists tables that only want has (a migration tool's
// bookkeeping). It returns the number of tables compared.
func compareCatalogs(t *testing.T, got, want *schema.Catalog, ignore ...string) int {
	t.Helper()
	skip := map[string]bool{}
	for _, k := range ignore {
		skip[k] = true
	}
	n := 0
	for _, w := range want.Tables() {
		if skip[w.Key] {
			continue
		}
		n++
		g := got.Table(w.Key)
		if !assert.NotNil(t, g, "the replay lacks %s %s", w.Kind, w.Key) {
			continue
		}
		assert.Equal(t, w.Kind, g.Kind, "kind of %s", w.Key)
		assert.False(t, g.Unknown, "%s is not fully known", w.Key)
		if !assert.Equal(t, w.ColumnNames(), g.ColumnNames(), "column names of %s", w.Key) || w.Kind != schema.KindTable {
			continue
		}
		for i, wc := range w.Columns {
			assert.Equal(t, columnShape(wc), columnShape(g.Columns[i]), "column of %s", w.Key)
		}
		assert.Equal(t, indexShapes(want, w.Key), indexShapes(got, w.Key), "indexes of %s", w.Key)
		assert.Equal(t, constraintShapes(w), constraintShapes(g), "constraints of %s", w.Key)
	}
	for _, g := range got.Tables() {
		assert.True(t, want.Table(g.Key) != nil || skip[g.Key], "the replay has %s %s, which the dump lacks", g.Kind, g.Key)
	}
	return n
}

func indexShapes(c *schema.Catalog, table string) []string {
	var out []string
	for _, ix := range c.Indexes(table) {
		out = append(out, fmt.Sprintf("%s %v unique=%v", ix.Name, ix.Columns, ix.Unique))
	}
	return out
}

func constraintShapes(t *schema.Table) []string {
	var out []string
	for _, c := range t.Constraints {
		out = append(out, fmt.Sprintf("%s %s %v", c.Name, c.Type, c.Columns))
	}
	sort.Strings(out)
	return out
}

// TestHydraReplayMatchesItsDump replays Hydra's whole migration set and
// compares the tables it leaves with the final schema Hydra ships.
func TestHydraReplayMatchesItsDump(t *testing.T) {
	dir := corpustest.Dir(t, "ory__hydra")
	got := replaySet(t, filepath.Join(dir, "persistence", "sql", "migrations"))
	want := loadDump(t, filepath.Join(dir, "internal", "testhelpers", "sql_schemas", "postgres_dump.sql"))
	n := compareCatalogs(t, got, want, "public.schema_migration")
	assert.Equal(t, 15, n)
	t.Logf("%d tables: same columns in the same order, types, nullability, defaults, indexes and constraints", n)
}
