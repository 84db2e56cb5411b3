package gocode

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
)

// extractOne runs Extract over one file and requires that it sends SQL.
func extractOne(t *testing.T, text string) File {
	t.Helper()
	files, errs := Extract([]source.File{{Path: "store.go", Text: text}})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	f := files[0]
	require.Equal(t, len(text), len(f.SQL), "SQL is aligned with the source")
	for i := range text {
		if text[i] == '\n' {
			require.Equal(t, byte('\n'), f.SQL[i], "newline kept at %d", i)
		}
	}
	return f
}

// texts returns each query's SQL.
func texts(f File) []string {
	var out []string
	for _, q := range f.Queries {
		out = append(out, f.SQL[q.Start:q.End])
	}
	return out
}

func TestDatabaseSQLLiterals(t *testing.T) {
	src := "package store\n\nimport \"database/sql\"\n\nfunc load(db *sql.DB) {\n" +
		"\trows, _ := db.Query(\"SELECT * FROM clients WHERE id = $1\", 1)\n" +
		"\t_ = rows\n" +
		"\tdb.ExecContext(nil, `DELETE FROM clients`)\n" +
		"}\n"
	f := extractOne(t, src)
	assert.Equal(t, "store.go", f.Path)
	assert.Equal(t, []string{"SELECT * FROM clients WHERE id = $1", "DELETE FROM clients"}, texts(f))
	q := f.Queries[0]
	assert.Equal(t, strings.Index(src, "SELECT"), q.Start)
	assert.True(t, q.Literal)
	assert.False(t, q.Raw)
	assert.False(t, q.Partial)
	assert.True(t, f.Queries[1].Raw)
	// The closing quote of each query becomes ';'; the rest is blank.
	assert.Equal(t, byte(';'), f.SQL[q.End])
	assert.Equal(t, byte(' '), f.SQL[q.Start-1])
	blanked := strings.Fields(f.SQL)
	assert.Equal(t, "SELECT * FROM clients WHERE id = $1; DELETE FROM clients;", strings.Join(blanked, " "))
}

func TestEscapesKeepAlignment(t *testing.T) {
	src := "package store\n\nfunc f(db DB) {\n\tdb.Exec(\"UPDATE t\\n\\tSET a = 1\")\n\tdb.Exec(\"SELECT \\\"a\\\" FROM t\")\n}\n"
	f := extractOne(t, src)
	require.Len(t, f.Queries, 2)
	assert.Equal(t, "UPDATE t    SET a = 1", texts(f)[0], "whitespace escapes become spaces")
	assert.False(t, f.Queries[0].Partial)
	assert.Equal(t, "SELECT  \"a\"  FROM t", texts(f)[1], "a quoted identifier stays contiguous")
	assert.False(t, f.Queries[1].Partial, "the quotes are kept in place")
}

// TestQuoteEscapes checks how escape sequences of interpreted strings are
// laid out, following the SQL's quoting: \" keeps its quote next to the
// identifier, \\ keeps its backslash where a space changes nothing, and
// the rest make the query partial.
func TestQuoteEscapes(t *testing.T) {
	for _, c := range []struct {
		lit, want string
		partial   bool
	}{
		{`"SELECT \"a b\".\"c\" FROM t"`, `SELECT  "a b" . "c"  FROM t`, false},
		{`"SELECT \"a\", \"b\" FROM t"`, `SELECT  "a" ,  "b"  FROM t`, false},
		{`"SELECT 'x\\y' FROM t"`, `SELECT 'x\ y' FROM t`, false},
		{`"SELECT 1 /* \"x\" \\ */ FROM t"`, `SELECT 1 /* " x"  \  */ FROM t`, false},
		{`"SELECT \"a\"\"b\" FROM t"`, `SELECT  "a    b"  FROM t`, true},
		{`"SELECT 'say \"hi\"' FROM t"`, `SELECT 'say   hi  ' FROM t`, true},
		{`"SELECT E'\\n' FROM t"`, `SELECT E'  n' FROM t`, true},
		{`"SELECT \"a\\b\" FROM t"`, `SELECT  "a  b"  FROM t`, true},
		{`"SELECT 1 -- one\nFROM t"`, `SELECT 1 -- one  FROM t`, true},
		{`"SELECT \x41"`, `SELECT     `, true},
	} {
		text, partial := literalSQL(c.lit)
		assert.Equal(t, c.want, string(text), c.lit)
		assert.Len(t, text, len(c.lit)-2, c.lit)
		assert.Equal(t, c.partial, partial, c.lit)
	}
}

func TestNoSQLNoFile(t *testing.T) {
	files, errs := Extract([]source.File{{Path: "a.go", Text: "package a\n\nfunc f() { println(\"SELECT 1\") }\n"}})
	assert.Empty(t, errs)
	assert.Empty(t, files)
}

func TestParseErrorNamesPosition(t *testing.T) {
	files, errs := Extract([]source.File{
		{Path: "bad.go", Text: "package a\n\nfunc f( {\n"},
		{Path: "good.go", Text: "package a\n\nfunc g(db DB) { db.Exec(\"SELECT 1\") }\n"},
	})
	require.Len(t, errs, 1)
	assert.Regexp(t, `^bad\.go:3:\d+: `, errs[0].Error())
	require.Len(t, files, 1)
	assert.Equal(t, "good.go", files[0].Path)
}

func TestMayQuery(t *testing.T) {
	parse := func(src string) []*ast.File {
		f, err := parser.ParseFile(token.NewFileSet(), "a.go", src, 0)
		require.NoError(t, err)
		return []*ast.File{f}
	}
	assert.False(t, mayQuery(parse("package a\n\nconst q = \"SELECT 1\"\n\nfunc f(s S) { s.Run(q) }\n")),
		"no call by a query method's name: the package is not type-checked")
	assert.True(t, mayQuery(parse("package a\n\nfunc f(s S) { s.QueryRowx(q) }\n")))
	assert.True(t, mayQuery(parse("package a\n\nfunc f(s S) { sqlx.MustExecContext(q) }\n")))
}

// TestQuoteReadsBack: what Quote writes into an interpreted string reads
// back (literalSQL) as the same SQL, up to the padding spaces of the
// escapes, and complete, for the SQL that fixes write: quoted
// identifiers, and backslashes in strings and comments.
func TestQuoteReadsBack(t *testing.T) {
	q := Query{Literal: true}
	for _, sql := range []string{
		`SELECT id, "Display Name" FROM "My Apps"`,
		`SELECT a."x y", b.c FROM a JOIN b ON a.id = b.id`,
		`INSERT INTO "T" ("a", "b") VALUES ($1, 'C:\dir')`,
		`SELECT 1 /* "quoted" \ */`,
	} {
		quoted, err := q.Quote(sql)
		require.NoError(t, err)
		text, partial := literalSQL(`"` + quoted + `"`)
		assert.False(t, partial, sql)
		noSpace := func(s string) string { return strings.Join(strings.Fields(s), "") }
		assert.Equal(t, noSpace(sql), noSpace(string(text)), "every character read back, in order: %s", sql)
		if strings.Contains(sql, "/*") {
			continue // its quotes are no identifiers
		}
		for _, ident := range quotedIdent.FindAllString(sql, -1) {
			assert.Contains(t, string(text), ident, "a quoted identifier reads back whole")
		}
	}
}

// quotedIdent matches a quoted identifier.
var quotedIdent = regexp.MustCompile(`"[^"]*"`)
