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

// TestSeverityOverrides pins the findings that report at a severity other
// than their rule's default, which want comments cannot express.
func TestSeverityOverrides(t *testing.T) {
	for _, c := range []struct {
		rule    string
		version int
		sql     string
		want    []rules.Severity
	}{
		{"add-primary-key", 15, `CREATE TABLE m (id bigint);
			CREATE UNIQUE INDEX CONCURRENTLY m_idx ON m (id);
			-- next file
			ALTER TABLE m ADD CONSTRAINT m_pkey PRIMARY KEY USING INDEX m_idx;
			ALTER TABLE m ADD PRIMARY KEY (id);`, []rules.Severity{rules.Warning, rules.Error}},
		{"require-concurrent-drop-index", 15, `CREATE TABLE a (id bigint PRIMARY KEY, e text);
			CREATE INDEX a_e_idx ON a (e);
			-- next file
			DROP INDEX a_pkey;
			DROP INDEX a_e_idx;`, []rules.Severity{rules.Error, rules.Warning}},
		{"require-concurrent-reindex", 13, `CREATE TABLE p (at date) PARTITION BY RANGE (at);
			CREATE INDEX p_at_idx ON p (at);
			-- next file
			REINDEX TABLE p;
			REINDEX INDEX p_at_idx;`, []rules.Severity{rules.Warning, rules.Error}},
	} {
		t.Run(c.rule, func(t *testing.T) {
			r := rules.Lookup(rules.All(), c.rule)
			require.NotNil(t, r)
			schema, change, ok := cutFile(c.sql)
			require.True(t, ok)
			res := lint.Run([]source.File{{Path: "1_schema.sql", Text: schema}, {Path: "2_change.sql", Text: change}},
				lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: c.version, LockTimeout: "2s"}})
			var got []rules.Severity
			for _, d := range res.Diagnostics {
				got = append(got, d.Severity)
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// cutFile splits a test's SQL into two migration files at "-- next file".
func cutFile(sql string) (first, second string, ok bool) {
	return strings.Cut(sql, "-- next file")
}

// TestContractPendingSeverity pins contract-pending's severities: the
// rule's while the expand file has not shipped or pgsafe cannot tell, a
// hint once it has, nothing once the contract has.
func TestContractPendingSeverity(t *testing.T) {
	files := []source.File{
		{Path: "db/1_schema.sql", Text: "CREATE TABLE users (id bigint PRIMARY KEY, email text);"},
		{Path: "db/2_expand.sql", Text: "ALTER TABLE users ADD COLUMN email_address text;"},
		{Path: "db/3_contract.sql", Text: "-- pgsafe:contract after 2_expand.sql\nALTER TABLE users DROP COLUMN email;"},
	}
	released := func(shipped ...string) func(string) int {
		return func(path string) int {
			for _, s := range shipped {
				if path == s {
					return 1
				}
			}
			return 0
		}
	}
	for _, c := range []struct {
		name     string
		releases func(string) int
		want     []rules.Severity
	}{
		{"unknown", nil, []rules.Severity{rules.Warning}},
		{"expand not shipped", released("db/1_schema.sql"), []rules.Severity{rules.Warning}},
		{"expand shipped", released("db/1_schema.sql", "db/2_expand.sql"), []rules.Severity{rules.Hint}},
		{"contract shipped", released("db/1_schema.sql", "db/2_expand.sql", "db/3_contract.sql"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := rules.ContractPending()
			res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(),
				Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", Releases: c.releases, ReleaseSource: "test"}})
			var got []rules.Severity
			for _, d := range res.Diagnostics {
				got = append(got, d.Severity)
			}
			assert.Equal(t, c.want, got)
		})
	}
}
