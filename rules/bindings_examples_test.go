package rules_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// lintExample lints a rule's documentation example. An example that
// shows an application query and a migration separates them with a
// blank line and a "-- migrations/" comment; the example of a rule that
// reads only queries is a query file.
func lintExample(t *testing.T, r *rules.Rule, sql string) []rules.Diagnostic {
	t.Helper()
	var files, queries []source.File
	switch q, m, ok := strings.Cut(sql, "\n\n-- migrations/"); {
	case ok:
		queries = []source.File{{Path: "queries/q.sql", Text: q}}
		files = []source.File{{Path: "m.sql", Text: "-- " + m}}
	case r.Code == "PS052":
		queries = []source.File{{Path: "queries/q.sql", Text: sql}}
	default:
		files = []source.File{{Path: "m.sql", Text: sql}}
	}
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: queries, Rule: rules.Options{PGVersion: 15}})
	for _, f := range append(res.Files, res.Queries...) {
		require.Nil(t, f.SyntaxError, "%s: %s", f.Path, sql)
	}
	return res.Diagnostics
}

// TestSchemaRuleExamples checks that each schema rule reports its own Bad
// example and not its Good one.
func TestSchemaRuleExamples(t *testing.T) {
	for _, code := range []string{"PS050", "PS051", "PS052", "PS053", "PS054", "PS055", "PS056"} {
		r := rules.Lookup(rules.All(), code)
		require.NotNil(t, r, code)
		t.Run(r.Name, func(t *testing.T) {
			assert.NotEmpty(t, lintExample(t, r, r.Doc.Bad), "the bad example draws no finding")
			assert.Empty(t, lintExample(t, r, r.Doc.Good), "the good example draws a finding")
		})
	}
}
