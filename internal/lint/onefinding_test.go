package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// duplicateFindings lints dirs with every rule and returns, for each
// (file, statement, rule) that got more than one finding, a line naming
// them. A finding belongs to the statement whose span holds its start;
// findings about a whole file (outside every statement) are left out.
func duplicateFindings(t *testing.T, dirs []string) (dups []string, findings int) {
	t.Helper()
	files, errs := source.Load(dirs, source.Options{})
	require.Empty(t, errs)
	res := lint.Run(files, lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15}})
	byPath := map[string]*migration.File{}
	for _, f := range res.Files {
		byPath[f.Path] = f
	}
	type key struct {
		path string
		stmt int
		code string
	}
	count := map[key]int{}
	for _, d := range res.Diagnostics {
		f := byPath[d.Path]
		if f == nil {
			continue
		}
		for i, st := range f.Statements {
			if st.Span.Start <= d.Span.Start && d.Span.Start < st.Span.End {
				count[key{d.Path, i, d.Rule.Code}]++
				findings++
				break
			}
		}
	}
	for k, n := range count {
		if n > 1 {
			dups = append(dups, fmt.Sprintf("%s statement %d: %d findings of %s", k.path, k.stmt, n, k.code))
		}
	}
	sort.Strings(dups)
	return dups, findings
}

// TestOneFindingPerStatementPerRule checks that no rule reports one
// statement twice, over every rule fixture: a statement that concerns
// several tables or columns gets one finding that names them all.
func TestOneFindingPerStatementPerRule(t *testing.T) {
	root := filepath.Join("..", "..", "fixtures", "rules")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			dups, findings := duplicateFindings(t, []string{filepath.Join(root, e.Name())})
			assert.Positive(t, findings, "the fixtures were read and reported")
			assert.Empty(t, dups)
		})
	}
}

// TestOneFindingPerStatementPerRuleOnCorpus checks the same on the real
// migration sets of the shared corpus.
func TestOneFindingPerStatementPerRuleOnCorpus(t *testing.T) {
	dir := corpus.Locate(t)
	for _, set := range []string{corpus.HydraMigrations, "ory__kratos/persistence/sql/migrations/sql", "ory__keto", "temporalio__temporal"} {
		t.Run(set, func(t *testing.T) {
			dups, findings := duplicateFindings(t, []string{filepath.Join(dir, set)})
			assert.Positive(t, findings, "the set was read and reported")
			assert.Empty(t, dups)
		})
	}
}

// TestDownFindings checks that findings in down migrations are marked,
// in down files and in the down sections of a goose file, that
// DownWarnOnly caps them at warning and leaves the ups alone, and that
// SkipDown leaves them out.
func TestDownFindings(t *testing.T) {
	files := []source.File{
		{Path: "a/001_i.up.sql", Text: "CREATE INDEX i ON t (c);\n"},
		{Path: "a/001_i.down.sql", Text: "CREATE INDEX j ON t (c);\n"},
		{Path: "b/00001_g.sql", Text: "-- +goose Up\nCREATE INDEX k ON t (c);\n-- +goose Down\nCREATE INDEX l ON t (c);\n"},
	}
	r := rules.Lookup(rules.All(), "PS001")
	run := func(opts lint.Options) map[string]rules.Diagnostic {
		opts.Rules, opts.Known, opts.Rule = []*rules.Rule{r}, rules.All(), rules.Options{PGVersion: 15}
		out := map[string]rules.Diagnostic{}
		res := lint.Run(files, opts)
		for _, f := range res.Files {
			for _, d := range res.Diagnostics {
				if d.Path == f.Path {
					out[f.Text[d.Span.Start:d.Span.End]] = d
				}
			}
		}
		return out
	}
	got := run(lint.Options{})
	require.Len(t, got, 4)
	for stmt, down := range map[string]bool{"CREATE INDEX i ON t (c)": false, "CREATE INDEX j ON t (c)": true, "CREATE INDEX k ON t (c)": false, "CREATE INDEX l ON t (c)": true} {
		assert.Equal(t, down, got[stmt].Down, stmt)
		assert.Equal(t, rules.Error, got[stmt].Severity, stmt)
	}
	got = run(lint.Options{DownWarnOnly: true})
	require.Len(t, got, 4)
	assert.Equal(t, rules.Error, got["CREATE INDEX i ON t (c)"].Severity)
	assert.Equal(t, rules.Warning, got["CREATE INDEX j ON t (c)"].Severity)
	assert.Equal(t, rules.Error, got["CREATE INDEX k ON t (c)"].Severity)
	assert.Equal(t, rules.Warning, got["CREATE INDEX l ON t (c)"].Severity)
	got = run(lint.Options{SkipDown: true})
	assert.Len(t, got, 2)
	assert.False(t, got["CREATE INDEX i ON t (c)"].Down)
	assert.False(t, got["CREATE INDEX k ON t (c)"].Down)
}
