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

// TestCheckableDropsQueriesThatDoNotParse: a query built at run time
// whose stand-ins do not make it parse, and a complete query that
// PostgreSQL refuses, are left out of the file's SQL, rather than turning
// the whole file into a syntax error that hides its other queries. The
// complete one keeps PostgreSQL's error, at its place in the Go source,
// for lint to report.
func TestCheckableDropsQueriesThatDoNotParse(t *testing.T) {
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
	var syntax []*sqlparse.SyntaxError
	for _, q := range f.Queries {
		if q.Partial && !sqlparse.Valid(f.SQL[q.Start:q.End]) {
			partial++
		}
		if q.SyntaxError != nil {
			assert.False(t, q.Partial, "only a complete query has a syntax error")
			syntax = append(syntax, q.SyntaxError)
		}
	}
	require.Equal(t, 1, partial, "the test needs a partial query that does not parse:\n%s", f.SQL)
	require.Len(t, syntax, 1)
	assert.Equal(t, `syntax error at or near "SELEC"`, syntax[0].Message)
	assert.Equal(t, strings.Index(src, "SELEC 1"), syntax[0].Offset, "the error is at its place in the Go source")

	got := f.Checkable(src)
	require.Len(t, got, len(f.SQL), "positions stay the Go file's")
	assert.Equal(t, strings.Count(f.SQL, "\n"), strings.Count(got, "\n"))
	assert.Contains(t, got, "SELECT * FROM clients", "the query that parses stays")
	assert.NotContains(t, got, "SELEC 1", "the complete query that does not parse is gone")
	assert.NotContains(t, got, "WHERE", "the partial query is gone")
	assert.True(t, sqlparse.Valid(got), "what is left parses:\n%s", got)
	assert.False(t, sqlparse.Valid(f.SQL), "without checkable, the file's SQL does not parse")
}

// TestNoSyntaxErrorsWhenTheFileParses: the queries of a file whose SQL
// parses have no syntax error, and the SQL is checked as it is.
func TestNoSyntaxErrorsWhenTheFileParses(t *testing.T) {
	src := "package store\n\nimport \"database/sql\"\n\nfunc f(db *sql.DB) {\n\tdb.Exec(\"DELETE FROM clients\")\n\tdb.Query(`SELECT 1`)\n}\n"
	files, errs := gocode.Extract([]source.File{{Path: "store.go", Text: src}})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	require.Len(t, files[0].Queries, 2)
	for _, q := range files[0].Queries {
		assert.Nil(t, q.SyntaxError)
	}
	assert.Equal(t, files[0].SQL, files[0].Checkable(src))
}

// TestScopes: each pgsafe:ignore line comment covers the SQL of the Go
// query it is about: alone on its line, the next statement's; after
// code, the one of the statement that ends on its line (an if's
// condition, a call whose arguments run over lines); above a constant,
// the constant's. A comment with no query has an empty scope, and
// ignore-file has none (it covers the file).
func TestScopes(t *testing.T) {
	src := `// pgsafe:ignore-file PS052 the whole file
package store

import "database/sql"

// pgsafe:ignore PS052 above the constant
const all = "SELECT * FROM clients"

func f(db *sql.DB) {
	// pgsafe:ignore PS000 above the call
	db.Exec("UPDATE clients SET a = 1 WHER id = 1")
	if db.QueryRow("SELECT 2") == nil { // pgsafe:ignore PS052 the if's condition
		return
	}
	db.Query(` + "`" + `
		SELECT 3` + "`" + `,
	) // pgsafe:ignore PS052 the last line of the call
	db.Query(all) // pgsafe:ignore PS052 the constant, sent here
	db.Query("SELECT 4 " + // pgsafe:ignore PS052 a line inside the call
		"FROM clients")
	// pgsafe:ignore PS052 nothing follows
}
`
	files, errs := gocode.Extract([]source.File{{Path: "store.go", Text: src}})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	scopes := gocode.Scopes(src, files[0].Queries)
	covered := func(comment string) []string {
		off := strings.Index(src, comment)
		require.GreaterOrEqual(t, off, 0, comment)
		off = strings.LastIndex(src[:off], "//")
		spans, ok := scopes[off]
		require.True(t, ok, "no scope for %q", comment)
		var out []string
		for _, sp := range spans {
			out = append(out, strings.TrimSpace(src[sp.Start:sp.End-1]))
		}
		return out
	}
	assert.Equal(t, []string{"SELECT * FROM clients"}, covered("above the constant"))
	assert.Equal(t, []string{"UPDATE clients SET a = 1 WHER id = 1"}, covered("above the call"))
	assert.Equal(t, []string{"SELECT 2"}, covered("the if's condition"))
	assert.Equal(t, []string{"SELECT 3"}, covered("the last line of the call"))
	assert.Equal(t, []string{"SELECT * FROM clients"}, covered("the constant, sent here"))
	inside := covered("a line inside the call")
	require.Len(t, inside, 1)
	assert.True(t, strings.HasPrefix(inside[0], "SELECT 4") && strings.HasSuffix(inside[0], "FROM clients"), inside[0])
	assert.Empty(t, covered("nothing follows"))
	_, ok := scopes[0]
	assert.False(t, ok, "ignore-file has no scope: it covers the whole file")
}
