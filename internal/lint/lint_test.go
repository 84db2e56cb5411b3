package lint_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// summary renders what a run found, for comparing runs.
func summary(res *lint.Result) []string {
	var out []string
	for _, f := range res.Files {
		out = append(out, fmt.Sprintf("file %s %s %d", f.Path, f.Tool.Name, len(f.Statements)))
	}
	for _, s := range res.Skipped {
		out = append(out, fmt.Sprintf("skipped %s: %s", s.Path, s.Reason))
	}
	for _, d := range res.Diagnostics {
		out = append(out, fmt.Sprintf("%s %v %s %s", d.Path, d.Span, d.Rule.Code, d.Message))
	}
	return append(out, fmt.Sprintf("statements %d", res.Statements))
}

// syntheticSet builds a migration set in which later files depend on
// tables that earlier files create, so that checks need the catalog each
// file starts from.
func syntheticSet(n int) []source.File {
	var files []source.File
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "CREATE TABLE t%d (id int, v text);\n", i)
		fmt.Fprintf(&b, "CREATE INDEX t%d_v ON t%d (v);\n", i, i) // new table: no finding
		if i > 0 {
			fmt.Fprintf(&b, "-- an index on the previous file's table\nCREATE INDEX t%d_id ON t%d (id);\n", i-1, i-1)
		}
		if i%7 == 3 {
			b.WriteString("SELEC broken;\n")
		}
		files = append(files, source.File{Path: fmt.Sprintf("m/%d_step.up.sql", i+1), Text: b.String()})
	}
	return files
}

func TestRunSameResultWhateverTheWorkers(t *testing.T) {
	sets := map[string][]source.File{"synthetic": syntheticSet(60)}
	if dir, err := corpus.Find(".", func(string) string { return "" }); err == nil {
		for _, project := range []string{"ory__hydra", "ory__kratos"} {
			files, errs := source.Load([]string{filepath.Join(dir, project)}, source.Options{})
			require.Empty(t, errs)
			sets[project] = files
		}
	}
	for name, files := range sets {
		t.Run(name, func(t *testing.T) {
			opts := allRules()
			opts.Workers = 1
			want := summary(lint.Run(files, opts))
			require.NotEmpty(t, want)
			for _, workers := range []int{2, 3, 16} {
				opts.Workers = workers
				assert.Equal(t, want, summary(lint.Run(files, opts)), "%d workers", workers)
			}
		})
	}
}

func TestRunReportsInFileOrder(t *testing.T) {
	res := lint.Run(syntheticSet(10), allRules())
	var got []string
	for _, d := range res.Diagnostics {
		if d.Rule.Name != "require-concurrent-index" && d.Rule.Name != "syntax-error" {
			continue // other rules have their own tests; this one is about order
		}
		got = append(got, fmt.Sprintf("%s %s", filepath.Base(d.Path), d.Rule.Name))
	}
	// Each file from the second on indexes the table of the file before
	// it; the fourth does not parse.
	assert.Equal(t, []string{
		"2_step.up.sql require-concurrent-index",
		"3_step.up.sql require-concurrent-index",
		"4_step.up.sql syntax-error",
		"5_step.up.sql require-concurrent-index",
		"6_step.up.sql require-concurrent-index",
		"7_step.up.sql require-concurrent-index",
		"8_step.up.sql require-concurrent-index",
		"9_step.up.sql require-concurrent-index",
		"10_step.up.sql require-concurrent-index",
	}, got)
	assert.Equal(t, 2+8*3, res.Statements, "statements of the nine files that parse")
}

func TestRunKeepTrees(t *testing.T) {
	files := syntheticSet(5)
	opts := allRules()
	for _, keep := range []bool{false, true} {
		opts.KeepTrees = keep
		res := lint.Run(files, opts)
		require.Len(t, res.Files, 5)
		for _, f := range res.Files {
			for _, st := range f.Statements {
				assert.Equal(t, keep, st.Node != nil, "%s statement %d, KeepTrees %v", f.Path, st.Index, keep)
				assert.Less(t, st.Span.Start, st.Span.End)
			}
		}
	}
}

func TestRunNothing(t *testing.T) {
	res := lint.Run(nil, allRules())
	assert.Empty(t, res.Files)
	assert.Empty(t, res.Diagnostics)
	assert.Zero(t, res.Statements)
}

// TestRunCodeFindingsInTheGoSource checks a query file of SQL found in Go
// code (Options.Code): its findings are placed in the Go source, whose
// characters before the query on its line (a two-byte é, blanked in the
// SQL to two spaces) count as one column each, and their fixes are
// advice that pgsafe fix does not apply.
func TestRunCodeFindingsInTheGoSource(t *testing.T) {
	const src = "package store\n\nfunc list() { /* é */ db.Query(\"SELECT * FROM users\") }\n"
	query := "SELECT * FROM users"
	at := strings.Index(src, query)
	blank := []byte(strings.Repeat(" ", len(src)))
	for i := range src {
		if src[i] == '\n' {
			blank[i] = '\n'
		}
	}
	copy(blank[at:], query)
	blank[at+len(query)] = ';' // the closing quote
	sql := string(blank)

	migrations := []source.File{{Path: "m/1_users.sql", Text: "CREATE TABLE users (id int, name text);\n"}}
	opts := lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15}}
	opts.Queries = []source.File{{Path: "store/list.go", Text: sql}}

	plain := lint.Run(migrations, opts)
	opts.Code = map[string]string{"store/list.go": src}
	code := lint.Run(migrations, opts)

	find := func(res *lint.Result) rules.Diagnostic {
		for _, d := range res.Diagnostics {
			if d.Path == "store/list.go" && d.Rule.Code == "PS052" {
				return d
			}
		}
		require.Fail(t, "no PS052 finding in store/list.go", "%v", summary(res))
		return rules.Diagnostic{}
	}
	star := at + len("SELECT ")
	wantCol := len([]rune(src[strings.LastIndex(src[:star], "\n")+1:star])) + 1

	d := find(code)
	assert.Equal(t, star, d.Span.Start)
	assert.Equal(t, src, code.Queries[0].Source)
	pos := code.Queries[0].Lines.Position(d.Span.Start)
	assert.Equal(t, 3, pos.Line)
	assert.Equal(t, wantCol, pos.Column, "the column counts the Go line's characters")
	assert.Equal(t, `func list() { /* é */ db.Query("SELECT * FROM users") }`, code.Queries[0].Lines.Line(3))
	require.NotEmpty(t, d.Fixes)
	for _, fx := range d.Fixes {
		assert.Equal(t, rules.DisplayOnly, fx.Safety, fx.Title)
		assert.Empty(t, fx.Edits, fx.Title)
	}

	// Without the source, the same SQL is a query file of its own: the
	// fix applies, and the blanked é shifts the column.
	p := find(plain)
	assert.Equal(t, wantCol+1, plain.Queries[0].Lines.Position(p.Span.Start).Column)
	assert.NotEqual(t, rules.DisplayOnly, p.Fixes[0].Safety)
}
