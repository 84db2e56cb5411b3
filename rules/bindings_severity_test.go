package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// TestBindingSeverities pins the severities of the schema rules' findings,
// which want comments cannot express: a binding to a column set rises one
// level when a later (or, for a query, pending) migration changes the
// columns, and a change to what a dependent reads is graded by what it
// does to the dependent.
func TestBindingSeverities(t *testing.T) {
	for _, c := range []struct {
		name, rule string
		files      []source.File
		queries    []source.File
		want       []rules.Severity
	}{
		{
			"a view's star, before and after a later change", "select-star-in-view",
			[]source.File{
				{Path: "1.sql", Text: "CREATE TABLE a (x int); CREATE TABLE b (y int); CREATE VIEW va AS SELECT * FROM a; CREATE VIEW vb AS SELECT * FROM b;"},
				{Path: "2.sql", Text: "ALTER TABLE a ADD COLUMN z int;"},
			}, nil, []rules.Severity{rules.Warning, rules.Hint},
		},
		{
			"a positional INSERT in a query, with a pending change", "insert-without-column-list",
			[]source.File{
				{Path: "1.sql", Text: "CREATE TABLE a (x int, z int); CREATE TABLE b (y int);"},
				{Path: "2.sql", Text: "ALTER TABLE a DROP COLUMN z;"},
			},
			[]source.File{{Path: "q.sql", Text: "INSERT INTO a VALUES (1); INSERT INTO b VALUES (1);"}},
			[]rules.Severity{rules.Warning, rules.Hint},
		},
		{
			"a later added column raises a positional INSERT", "insert-without-column-list",
			[]source.File{
				{Path: "1.sql", Text: "CREATE TABLE a (x int); INSERT INTO a VALUES (1);"},
				{Path: "2.sql", Text: "ALTER TABLE a ADD COLUMN z int;"},
			}, nil, []rules.Severity{rules.Warning},
		},
		{
			"what a change does to a dependent", "breaks-dependent-object",
			[]source.File{
				{Path: "1.sql", Text: "CREATE TABLE a (x int, y int, z int); CREATE VIEW v AS SELECT x, y FROM a; " +
					"CREATE FUNCTION f() RETURNS SETOF int LANGUAGE sql AS $$ SELECT z FROM a $$;"},
				{Path: "2.sql", Text: "ALTER TABLE a RENAME COLUMN x TO x2; ALTER TABLE a ALTER COLUMN z TYPE bigint; ALTER TABLE a DROP COLUMN y;"},
			}, nil, []rules.Severity{rules.Hint, rules.Warning, rules.Error},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rules.Lookup(rules.All(), c.rule)
			require.NotNil(t, r)
			res := lint.Run(c.files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Queries: c.queries, Rule: rules.Options{PGVersion: 15}})
			var got []rules.Severity
			for _, d := range res.Diagnostics {
				got = append(got, d.Severity)
			}
			assert.Equal(t, c.want, got)
		})
	}
}
