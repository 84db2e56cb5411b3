package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// severities lints files with the rule called name at pgVersion and
// returns the severity of each diagnostic, in file order.
func severities(t *testing.T, name string, pgVersion int, files ...source.File) []rules.Severity {
	t.Helper()
	r := rules.Lookup(rules.All(), name)
	require.NotNil(t, r)
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: pgVersion}})
	var out []rules.Severity
	for _, d := range res.Diagnostics {
		out = append(out, d.Severity)
	}
	return out
}

func TestTimestampTimeZoneSeverity(t *testing.T) {
	create := source.File{Path: "1.sql", Text: "CREATE TABLE events (at timestamp, n int, at2 timestamp, n2 int);\n"}
	alter := source.File{Path: "2.sql", Text: "ALTER TABLE events ALTER COLUMN at TYPE timestamptz;\nALTER TABLE events ALTER COLUMN n TYPE bigint;\n" +
		"ALTER TABLE events ALTER COLUMN at2 TYPE timestamptz, ALTER COLUMN n2 TYPE bigint;\n"}
	assert.Equal(t, []rules.Severity{rules.Warning, rules.Error, rules.Error}, severities(t, "column-type-change", 12, create, alter),
		"from 12 the time zone change is conditional on TimeZone = UTC; one finding for a statement that changes both takes the worse")
	assert.Equal(t, []rules.Severity{rules.Error, rules.Error, rules.Error}, severities(t, "column-type-change", 11, create, alter))
}

func TestTruncateThatFailsIsAnError(t *testing.T) {
	create := source.File{Path: "1.sql", Text: "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id int REFERENCES a (id));\n"}
	trunc := source.File{Path: "2.sql", Text: "TRUNCATE a;\nTRUNCATE a, b;\nTRUNCATE a CASCADE;\n"}
	assert.Equal(t, []rules.Severity{rules.Error, rules.Warning, rules.Warning}, severities(t, "truncate", 15, create, trunc))
}
