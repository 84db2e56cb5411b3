package rewrite_test

import (
	"go/format"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// fixGo runs fix with select-star-in-query over the Go file src, whose
// SQL runs against the schema that migration leaves, as pgsafe fix
// --code does.
func fixGo(t *testing.T, migration, src string) *rewrite.Result {
	t.Helper()
	return fixGoWith(t, []string{"PS052"}, migration, src)
}

// fixGoWith is fixGo with the rules of codes.
func fixGoWith(t *testing.T, codes []string, migration, src string) *rewrite.Result {
	t.Helper()
	const path = "store/store.go"
	found, errs := gocode.Extract([]source.File{{Path: path, Text: src}})
	require.Empty(t, errs)
	require.Len(t, found, 1)
	var enabled []*rules.Rule
	for _, c := range codes {
		enabled = append(enabled, rules.Lookup(rules.All(), c))
	}
	opts := lint.Options{Rules: enabled, Known: rules.All(), Rule: rules.Options{PGVersion: 15},
		Queries:     []source.File{{Path: path, Text: found[0].SQL}},
		Code:        map[string]string{path: src},
		CodeQueries: map[string][]gocode.Query{path: found[0].Queries},
	}
	res, err := rewrite.Fix([]source.File{{Path: "db/001.sql", Text: migration}}, opts, rewrite.Options{})
	require.NoError(t, err)
	return res
}

// goFile returns the result's file at path.
func goFile(t *testing.T, res *rewrite.Result, path string) *rewrite.File {
	t.Helper()
	for _, f := range res.Files {
		if f.Path == path {
			return f
		}
	}
	require.Failf(t, "no file", "%s", path)
	return nil
}

// TestFixGoLiterals checks that fix writes the columns of a * into the
// Go string literal that holds the query, in the Go source: in an
// interpreted string with Go's escapes for the quotes and backslashes of
// quoted identifiers, in a raw string as they are; that the result is
// gofmt-clean; and that the queries it cannot edit (built from several
// parts, from fmt.Sprintf (parts not known), or a raw string that cannot hold a backquote)
// keep the fix as advice with the reason.
func TestFixGoLiterals(t *testing.T) {
	const migration = "CREATE TABLE apps (id bigint, \"Display Name\" text, \"a\\b\" text);\n" +
		"CREATE TABLE ticks (id bigint, \"x`y\" text);\n"
	const src = "package store\n\n" +
		"import (\n\t\"database/sql\"\n\t\"fmt\"\n)\n\n" +
		"func q(db *sql.DB, table string) {\n" +
		"\tdb.Query(\"SELECT * FROM apps WHERE id = $1\", 1)\n" +
		"\tdb.Query(`\n\t\tSELECT a.*\n\t\tFROM apps a`)\n" +
		"\tdb.Query(\"SELECT * \" +\n\t\t\"FROM apps\")\n" +
		"\tdb.Query(fmt.Sprintf(\"SELECT * FROM apps ORDER BY %s\", table))\n" +
		"\tdb.Query(`SELECT * FROM ticks`)\n" +
		"\tdb.Query(\"SELECT * FROM ticks\")\n" +
		"}\n"
	const want = "package store\n\n" +
		"import (\n\t\"database/sql\"\n\t\"fmt\"\n)\n\n" +
		"func q(db *sql.DB, table string) {\n" +
		"\tdb.Query(\"SELECT id, \\\"Display Name\\\", \\\"a\\\\b\\\" FROM apps WHERE id = $1\", 1)\n" +
		"\tdb.Query(`\n\t\tSELECT a.id, a.\"Display Name\", a.\"a\\b\"\n\t\tFROM apps a`)\n" +
		"\tdb.Query(\"SELECT * \" +\n\t\t\"FROM apps\")\n" +
		"\tdb.Query(fmt.Sprintf(\"SELECT * FROM apps ORDER BY %s\", table))\n" +
		"\tdb.Query(`SELECT * FROM ticks`)\n" +
		"\tdb.Query(\"SELECT id, \\\"x`y\\\" FROM ticks\")\n" +
		"}\n"
	formatted, err := format.Source([]byte(src))
	require.NoError(t, err)
	require.Equal(t, src, string(formatted), "the input is gofmt-clean")

	res := fixGo(t, migration, src)
	f := goFile(t, res, "store/store.go")
	assert.Equal(t, src, f.Original, "the original is the Go source")
	assert.Equal(t, want, f.Fixed)
	formatted, err = format.Source([]byte(f.Fixed))
	require.NoError(t, err, "the fixed file parses")
	assert.Equal(t, f.Fixed, string(formatted), "the fixed file is gofmt-clean")

	// The interpreted literal holds the SQL the catalog names.
	line := strings.Split(f.Fixed, "\n")[8]
	assert.Contains(t, line, `"SELECT id, \"Display Name\", \"a\\b\" FROM apps WHERE id = $1"`)

	var reasons []string
	for _, s := range res.Skipped {
		reasons = append(reasons, s.Reason)
		assert.Equal(t, "store/store.go", s.Path)
	}
	assert.Equal(t, []string{
		"needs a human: the SQL is built from several parts",
		"needs a human: " + gocode.ErrUnknown.Error(),
		"needs a human: a raw (backquoted) string cannot hold the backquote or carriage return of the new SQL",
	}, reasons)
	assert.Len(t, res.Applied, 3)
}

// TestFixGoIsIdempotent checks that fixing the fixed Go source changes
// nothing: the star is gone from the SQL found in it again.
func TestFixGoIsIdempotent(t *testing.T) {
	const migration = "CREATE TABLE apps (id bigint, \"Display Name\" text);\n"
	const src = "package store\n\nimport \"database/sql\"\n\nfunc q(db *sql.DB) {\n\tdb.Query(\"SELECT * FROM apps\")\n}\n"
	once := goFile(t, fixGo(t, migration, src), "store/store.go")
	require.NotEqual(t, src, once.Fixed)
	again := fixGo(t, migration, once.Fixed)
	assert.Equal(t, once.Fixed, goFile(t, again, "store/store.go").Fixed)
	assert.Empty(t, again.Applied)
}

// TestFixGoQuotedIdentifiersRoundTrip checks that the quoted identifiers
// that fix writes into an interpreted string (as \"name\") are read back
// in place: the next extraction finds the query complete and one literal,
// with the SQL that fix wrote, so a later lint checks all of it and a
// second fix has nothing to do. The INSERT's column list goes after a
// quoted table name, whose closing \" the edit must not split.
func TestFixGoQuotedIdentifiersRoundTrip(t *testing.T) {
	const migration = "CREATE TABLE \"My Apps\" (id bigint, \"Display Name\" text);\n"
	const src = "package store\n\nimport \"database/sql\"\n\nfunc q(db *sql.DB) {\n" +
		"\tdb.Query(\"SELECT * FROM \\\"My Apps\\\" WHERE id = $1\", 1)\n" +
		"\tdb.Exec(\"INSERT INTO \\\"My Apps\\\" VALUES ($1, $2)\", 1, \"x\")\n" +
		"}\n"
	const want = "package store\n\nimport \"database/sql\"\n\nfunc q(db *sql.DB) {\n" +
		"\tdb.Query(\"SELECT id, \\\"Display Name\\\" FROM \\\"My Apps\\\" WHERE id = $1\", 1)\n" +
		"\tdb.Exec(\"INSERT INTO \\\"My Apps\\\" (id, \\\"Display Name\\\") VALUES ($1, $2)\", 1, \"x\")\n" +
		"}\n"
	codes := []string{"PS052", "PS053"}
	found, errs := gocode.Extract([]source.File{{Path: "store/store.go", Text: src}})
	require.Empty(t, errs)
	require.Len(t, found[0].Queries, 2)
	for _, q := range found[0].Queries {
		assert.False(t, q.Partial, "a quoted table name leaves the query complete")
		assert.True(t, q.Literal)
	}

	res := fixGoWith(t, codes, migration, src)
	f := goFile(t, res, "store/store.go")
	require.Equal(t, want, f.Fixed)
	assert.Len(t, res.Applied, 2)
	assert.Empty(t, res.Skipped)

	found, errs = gocode.Extract([]source.File{{Path: "store/store.go", Text: f.Fixed}})
	require.Empty(t, errs)
	require.Len(t, found, 1)
	var sqls []string
	for _, q := range found[0].Queries {
		assert.False(t, q.Partial, "the fixed query is read complete")
		assert.True(t, q.Literal, "and can be fixed again in place")
		sqls = append(sqls, strings.Join(strings.Fields(found[0].SQL[q.Start:q.End]), " "))
	}
	assert.Equal(t, []string{
		`SELECT id, "Display Name" FROM "My Apps" WHERE id = $1`,
		`INSERT INTO "My Apps" (id, "Display Name" ) VALUES ($1, $2)`, // the padding of the closing \"
	}, sqls)
	again := fixGoWith(t, codes, migration, f.Fixed)
	assert.Equal(t, f.Fixed, goFile(t, again, "store/store.go").Fixed)
	assert.Empty(t, again.Applied)
}

// TestFixGoAssembledQueryIsAdvice: the * of a query put together from a
// constant's text is not in place, so its fix is advice that names the
// constant to edit, and the Go file is left as it is.
func TestFixGoAssembledQueryIsAdvice(t *testing.T) {
	const migration = "CREATE TABLE apps (id bigint, name text);\n"
	const src = "package store\n\nimport \"database/sql\"\n\nconst selectApps = \"SELECT * FROM apps\"\n\n" +
		"func q(db *sql.DB) {\n\tdb.Query(selectApps + \" WHERE id = $1\", 1)\n}\n"
	res := fixGo(t, migration, src)
	assert.Equal(t, src, goFile(t, res, "store/store.go").Fixed)
	assert.Empty(t, res.Applied)
	require.Len(t, res.Skipped, 1)
	assert.Equal(t, "needs a human: the SQL is built from several parts: it holds the text of selectApps (store.go:5), which a fix does not edit", res.Skipped[0].Reason)
}
