package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

// TestStatementTimeoutFixNeedsAValue checks that require-statement-timeout
// offers a fix only when statement-timeout is configured: without a value
// there is nothing to write, and no advice to list among skipped fixes. A
// statement with no lock_timeout is left to missing-lock-timeout.
func TestStatementTimeoutFixNeedsAValue(t *testing.T) {
	r := rules.Lookup(rules.All(), "require-statement-timeout")
	require.NotNil(t, r)
	files := []source.File{
		{Path: "1.sql", Text: "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"},
		{Path: "2.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;\n"},
	}
	fixes := func(value string) []rules.Fix {
		res := lint.Run(files, lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: 15, StatementTimeout: value}})
		require.Len(t, res.Diagnostics, 1)
		return res.Diagnostics[0].Fixes
	}
	assert.Empty(t, fixes(""))
	none := lint.Run([]source.File{files[0], {Path: "2.sql", Text: "ALTER TABLE accounts ADD COLUMN n int;\n"}},
		lint.Options{Rules: []*rules.Rule{r}, Known: rules.All(), Rule: rules.Options{PGVersion: 15, StatementTimeout: "15s"}})
	assert.Empty(t, none.Diagnostics, "with no lock_timeout either, missing-lock-timeout reports it")
	got := fixes("15s")
	require.Len(t, got, 1)
	assert.Equal(t, rules.Safe, got[0].Safety)
	require.Len(t, got[0].Edits, 1)
	assert.Equal(t, "SET statement_timeout = '15s';\n", got[0].Edits[0].NewText)
}
