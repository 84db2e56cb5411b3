package fingerprint_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/fingerprint"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// of lints one file with PS000 and PS001 and returns its fingerprints.
func of(t *testing.T, path, text string, mapPath func(string) string) []string {
	t.Helper()
	all := rules.All()
	var enabled []*rules.Rule
	for _, code := range []string{"PS000", "PS001"} {
		r := rules.Lookup(all, code)
		require.NotNil(t, r, code)
		enabled = append(enabled, r)
	}
	res := lint.Run([]source.File{{Path: path, Text: text}}, lint.Options{
		Rules: enabled, Known: all, Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000},
	})
	return fingerprint.Of(res, mapPath)
}

func TestStableAcrossEditsElsewhere(t *testing.T) {
	before := of(t, "db/1.sql", "CREATE INDEX i ON t (c);\n", nil)
	require.Len(t, before, 1)
	assert.Len(t, before[0], 32, "128 bits in hex")

	moved := of(t, "db/1.sql", "-- a comment\nSELECT 1;\n\nCREATE TABLE x (id int);\nCREATE INDEX i ON t (c);\n", nil)
	require.Len(t, moved, 1)
	assert.Equal(t, before, moved, "lines added above do not change the identity")

	reflowed := of(t, "db/1.sql", "CREATE INDEX i\n    ON t (c);\n", nil)
	assert.Equal(t, before, reflowed, "white space inside the statement does not count")

	assert.Equal(t, before, of(t, "./db//1.sql", "CREATE INDEX i ON t (c);\n", nil), "paths are cleaned")
}

func TestChangesWithTheStatementPathOrRule(t *testing.T) {
	base := of(t, "db/1.sql", "CREATE INDEX i ON t (c);\n", nil)
	assert.NotEqual(t, base, of(t, "db/1.sql", "CREATE INDEX i ON t (d);\n", nil))
	assert.NotEqual(t, base, of(t, "db/2.sql", "CREATE INDEX i ON t (c);\n", nil))
	mapped := of(t, "1.sql", "CREATE INDEX i ON t (c);\n", func(p string) string { return "db/" + p })
	assert.Equal(t, base, mapped, "the path function's result is what is hashed")
}

func TestRepeatedStatementsGetOccurrences(t *testing.T) {
	fps := of(t, "a.sql", "CREATE INDEX i ON t (c);\nCREATE INDEX i ON t (c);\n", nil)
	require.Len(t, fps, 2)
	assert.NotEqual(t, fps[0], fps[1])
	assert.Equal(t, of(t, "a.sql", "CREATE INDEX i ON t (c);\n", nil)[0], fps[0], "the first occurrence keeps the identity of a lone one")
}

func TestOutsideAStatement(t *testing.T) {
	fps := of(t, "bad.sql", "SELECT 1;\nSELECT * FROMM t;\n", nil)
	require.Len(t, fps, 1, "the syntax error")
	assert.Equal(t, fps, of(t, "bad.sql", "SELECT 1;\nSELECT * FROMM t;\n", nil), "the same input gives the same fingerprint")
	assert.NotEqual(t, fps, of(t, "bad.sql", "SELECT 1;\nSELECT * FROMM u;\n", nil))
}

func TestNormalize(t *testing.T) {
	assert.Equal(t, "a b c", fingerprint.Normalize("  a\n\tb   c \r\n"))
	assert.Empty(t, fingerprint.Normalize(" \n "))
}
