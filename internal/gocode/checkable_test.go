package gocode_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// TestCheckableDropsPartialQueriesThatDoNotParse: a query built at run
// time whose stand-ins do not make it parse is left out of the file's SQL,
// rather than turning the whole file into a syntax error that hides its
// other queries; a complete query that does not parse stays, since it is
// SQL that PostgreSQL refuses.
func TestCheckableDropsPartialQueriesThatDoNotParse(t *testing.T) {
	src := `package store

import "database/sql"

func list(db *sql.DB, filter string) {
	query := "SELECT id FROM clients WHERE "
	if filter != "" {
		query += filter + " AND"
	}
	query += " active"
	db.Query(query)
	db.Query("SELECT * FROM clients")
}

func broken(db *sql.DB) {
	db.Exec("SELEC 1")
}
`
	files, errs := gocode.Extract([]source.File{{Path: "store.go", Text: src}})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	f := files[0]
	var partial int
	for _, q := range f.Queries {
		if q.Partial && !sqlparse.Valid(f.SQL[q.Start:q.End]) {
			partial++
		}
	}
	require.Equal(t, 1, partial, "the test needs a partial query that does not parse:\n%s", f.SQL)

	got := f.Checkable(src)
	require.Len(t, got, len(f.SQL), "positions stay the Go file's")
	assert.Equal(t, strings.Count(f.SQL, "\n"), strings.Count(got, "\n"))
	assert.Contains(t, got, "SELECT * FROM clients", "the query that parses stays")
	assert.Contains(t, got, "SELEC 1", "a complete query that does not parse stays")
	assert.NotContains(t, got, "WHERE", "the partial query is gone")
	without := strings.Replace(got, "SELEC 1", "SELECT 1", 1)
	assert.True(t, sqlparse.Valid(without), "what is left parses:\n%s", without)
	assert.False(t, sqlparse.Valid(f.SQL), "without checkable, the file's SQL does not parse")
}
