package contract_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

func markers(t *testing.T, text string) []contract.Marker {
	t.Helper()
	res := sqlparse.Parse(text)
	require.Nil(t, res.Err)
	return contract.Find(res.Comments)
}

func TestFind(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		expand     []string // "" for a malformed marker
	}{
		{"line comment", "-- pgsafe:contract after 0002_expand.sql\nSELECT 1;", []string{"0002_expand.sql"}},
		{"a note after the file", "-- pgsafe:contract after 0002_expand.sql once v2 has shipped\nSELECT 1;", []string{"0002_expand.sql"}},
		{"block comment", "/* pgsafe:contract after ../expand/0002.sql */ SELECT 1;", []string{"../expand/0002.sql"}},
		{"decorated block comment", "/*\n * pgsafe:contract\n * after 0002.sql\n */\nSELECT 1;", []string{"0002.sql"}},
		{"after a statement", "SELECT 1;\n-- pgsafe:contract after 0002.sql\nSELECT 2;", []string{"0002.sql"}},
		{"no after", "-- pgsafe:contract 0002.sql\nSELECT 1;", []string{""}},
		{"no file", "-- pgsafe:contract after\nSELECT 1;", []string{""}},
		{"bare", "-- pgsafe:contract\nSELECT 1;", []string{""}},
		{"another word", "-- pgsafe:contracts after 0002.sql\nSELECT 1;", nil},
		{"not first in the comment", "-- see pgsafe:contract after 0002.sql\nSELECT 1;", nil},
		{"in a string", "SELECT '-- pgsafe:contract after 0002.sql';", nil},
		{"in a dollar-quoted body", "DO $$ BEGIN -- pgsafe:contract after 0002.sql\nEND $$;", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := markers(t, tc.text)
			require.Len(t, ms, len(tc.expand))
			for i, m := range ms {
				assert.Equal(t, tc.expand[i], m.Expand)
				assert.Equal(t, tc.expand[i] == "", m.Err != "", "malformed: %q", m.Err)
			}
		})
	}
}

func TestOfTakesTheFirstWellFormedMarker(t *testing.T) {
	res := sqlparse.Parse("-- pgsafe:contract\n-- pgsafe:contract after a.sql\n-- pgsafe:contract after b.sql\nSELECT 1;")
	m, ok := contract.Of(res.Comments)
	require.True(t, ok)
	assert.Equal(t, "a.sql", m.Expand)

	_, ok = contract.Of(sqlparse.Parse("-- pgsafe:contract\nSELECT 1;").Comments)
	assert.False(t, ok)
}

func TestExpandPath(t *testing.T) {
	assert.Equal(t, filepath.Join("db", "0002.sql"), contract.ExpandPath(filepath.Join("db", "0004.sql"), "0002.sql"))
	assert.Equal(t, filepath.Join("db", "expand", "0002.sql"), contract.ExpandPath(filepath.Join("db", "contract", "0004.sql"), "../expand/0002.sql"))
	assert.Equal(t, "0002.sql", contract.ExpandPath("0004.sql", "./0002.sql"))
	assert.True(t, contract.SamePath("db/./0002.sql", "db/0002.sql"))
}
