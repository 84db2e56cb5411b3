package rules_test

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// applyFixes lints files with the rule called name and applies the edits
// of every diagnostic's first fix to the last file, returning its new
// text, the number of edits and the safeties of the fixes.
func applyFixes(t *testing.T, name string, files ...source.File) (string, int, []rules.Safety) {
	t.Helper()
	r := rules.Lookup(rules.All(), name)
	require.NotNil(t, r)
	res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: 15}})
	last := files[len(files)-1]
	var edits []rules.Edit
	var safeties []rules.Safety
	for _, d := range res.Diagnostics {
		if d.Path == last.Path && len(d.Fixes) > 0 && len(d.Fixes[0].Edits) > 0 {
			edits = append(edits, d.Fixes[0].Edits...)
			safeties = append(safeties, d.Fixes[0].Safety)
		}
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].Start > edits[j].Start })
	text := last.Text
	for _, e := range edits {
		text = text[:e.Start] + e.NewText + text[e.End:]
	}
	return text, len(edits), safeties
}

func TestPreferJsonbEdits(t *testing.T) {
	in := "CREATE TABLE events (a json, b JSON[], c pg_catalog.json, d \"json\", e jsonb);\n" +
		"ALTER TABLE events ADD COLUMN f Json NOT NULL, ALTER COLUMN a TYPE json USING a::json;\n"
	want := "CREATE TABLE events (a jsonb, b JSONB[], c pg_catalog.jsonb, d \"jsonb\", e jsonb);\n" +
		"ALTER TABLE events ADD COLUMN f Jsonb NOT NULL, ALTER COLUMN a TYPE jsonb USING a::json;\n"
	got, n, safeties := applyFixes(t, "prefer-jsonb", source.File{Path: "m.sql", Text: in})
	assert.Equal(t, 6, n)
	assert.Equal(t, want, got)
	for _, s := range safeties {
		assert.Equal(t, rules.Unsafe, s)
	}
	again, n, _ := applyFixes(t, "prefer-jsonb", source.File{Path: "m.sql", Text: got})
	assert.Zero(t, n, "the fixed text has nothing left to fix")
	assert.Equal(t, got, again)
}

func TestRefreshConcurrentlyEdit(t *testing.T) {
	create := source.File{Path: "1_create.sql", Text: "CREATE MATERIALIZED VIEW totals AS SELECT 1 AS day;\n" +
		"CREATE UNIQUE INDEX totals_day_key ON totals (day);\n"}
	refresh := source.File{Path: "2_refresh.sql", Text: "REFRESH MATERIALIZED VIEW public.totals;\n"}
	got, n, safeties := applyFixes(t, "refresh-materialized-view", create, refresh)
	require.Equal(t, 1, n)
	assert.Equal(t, []rules.Safety{rules.Safe}, safeties)
	assert.Equal(t, "REFRESH MATERIALIZED VIEW CONCURRENTLY public.totals;\n", got)

	// Without a usable unique index the fix is only advice.
	partial := source.File{Path: "1_create.sql", Text: "CREATE MATERIALIZED VIEW totals AS SELECT 1 AS day;\n" +
		"CREATE UNIQUE INDEX totals_day_key ON totals (day) WHERE day > 0;\n"}
	_, n, _ = applyFixes(t, "refresh-materialized-view", partial, refresh)
	assert.Zero(t, n)
}

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
	create := source.File{Path: "1.sql", Text: "CREATE TABLE events (at timestamp, n int);\n"}
	alter := source.File{Path: "2.sql", Text: "ALTER TABLE events ALTER COLUMN at TYPE timestamptz, ALTER COLUMN n TYPE bigint;\n"}
	assert.Equal(t, []rules.Severity{rules.Warning, rules.Error}, severities(t, "column-type-change", 12, create, alter),
		"from 12 the time zone change is conditional on TimeZone = UTC")
	assert.Equal(t, []rules.Severity{rules.Error, rules.Error}, severities(t, "column-type-change", 11, create, alter))
}

func TestTruncateThatFailsIsAnError(t *testing.T) {
	create := source.File{Path: "1.sql", Text: "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id int REFERENCES a (id));\n"}
	trunc := source.File{Path: "2.sql", Text: "TRUNCATE a;\nTRUNCATE a, b;\nTRUNCATE a CASCADE;\n"}
	assert.Equal(t, []rules.Severity{rules.Error, rules.Warning, rules.Warning}, severities(t, "truncate", 15, create, trunc))
}
