package gocode

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

func TestTypedReceivers(t *testing.T) {
	src := `package store

import (
	"context"
	"database/sql"
	"os/exec"
)

type Store struct{ *sql.DB }

type fake struct{}

func (fake) Exec(q string) {}

func f(ctx context.Context, db *sql.DB, tx *sql.Tx, conn *sql.Conn, s Store, st *sql.Stmt) {
	db.QueryRowContext(ctx, "SELECT 1")
	tx.Exec("SELECT 2")
	conn.ExecContext(ctx, "SELECT 3")
	s.Query("SELECT 4")
	st.Exec("not sql: a prepared statement's argument")
	fake{}.Exec("not sql: another type's Exec")
	exec.Command("ls").Run()
}
`
	f := extractOne(t, src)
	assert.Equal(t, []string{"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4"}, texts(f))
	var calls []string
	for _, q := range f.Queries {
		calls = append(calls, q.Call)
	}
	assert.Equal(t, []string{
		"database/sql (*DB).QueryRowContext", "database/sql (*Tx).Exec",
		"database/sql (*Conn).ExecContext", "database/sql (*DB).Query",
	}, calls)
}

func TestConstantsVariablesConcatenation(t *testing.T) {
	src := "package store\n\nimport \"database/sql\"\n\n" +
		"const byID = `SELECT * FROM clients` +\n\t\" WHERE id = $1\"\n\n" +
		"const cols = \"id, name\"\n\n" +
		"func f(db *sql.DB, table string) {\n" +
		"\tdb.Query(byID, 1)\n" +
		"\tconst local = \"DELETE FROM clients\"\n" +
		"\tdb.Exec(local)\n" +
		"\tq := \"UPDATE clients SET name = $1\"\n" +
		"\tdb.Exec(q, \"x\")\n" +
		"\tdb.Query(\"SELECT \" + cols + \" FROM \" + table)\n" +
		"\tgrow := \"SELECT id FROM clients\"\n" +
		"\tgrow += \" WHERE id = 1\"\n" +
		"\tdb.Query(grow)\n" +
		"}\n"
	f := extractOne(t, src)
	require.Len(t, f.Queries, 5)
	got := texts(f)
	assert.Equal(t, "SELECT * FROM clients   \n   WHERE id = $1", got[0])
	assert.False(t, f.Queries[0].Partial)
	assert.False(t, f.Queries[0].Literal, "two literals")
	assert.Equal(t, "DELETE FROM clients", got[1])
	assert.True(t, f.Queries[1].Literal)
	assert.Equal(t, "UPDATE clients SET name = $1", got[2])
	assert.Equal(t, "SELECT id, name FROM _", got[3], "a constant inside a concatenation has its text; a parameter stands in as _")
	assert.True(t, f.Queries[3].Partial)
	assert.Equal(t, []string{"cols (store.go:8)"}, f.Queries[3].Names)
	assert.Equal(t, "SELECT id FROM clients", got[4])
	assert.True(t, f.Queries[4].Partial, "a variable that grows later is partial")
	assert.False(t, f.Queries[4].Literal)
}

func TestSprintf(t *testing.T) {
	src := "package store\n\nimport (\n\t\"database/sql\"\n\t\"fmt\"\n)\n\n" +
		"func f(db *sql.DB, col string, n int) {\n" +
		"\tdb.Query(fmt.Sprintf(\"SELECT %s FROM t WHERE a LIKE 'x%%' LIMIT %-3d\", col, n))\n" +
		"\tdb.Exec(fmt.Sprintf(\"SELECT 100%%\"))\n" +
		"}\n"
	f := extractOne(t, src)
	require.Len(t, f.Queries, 2)
	assert.Equal(t, "SELECT _  FROM t WHERE a LIKE 'x% ' LIMIT _   ", texts(f)[0])
	assert.True(t, f.Queries[0].Partial)
	assert.False(t, f.Queries[0].Literal)
	assert.Equal(t, "SELECT 100% ", texts(f)[1])
	assert.False(t, f.Queries[1].Partial, "%% is no unknown part")
}

func TestUntypedLibraries(t *testing.T) {
	src := `package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jmoiron/sqlx"
	"gorm.io/gorm"
	"github.com/jackc/pgx/v5"
)

type Store struct {
	db   *sqlx.DB
	pool *pgxpool.Pool
	orm  *gorm.DB
}

func (s *Store) f(ctx context.Context, u *User) {
	s.db.Select(&u, "SELECT a FROM t WHERE b = $1", 1)
	s.db.GetContext(ctx, u, "SELECT b FROM t")
	s.db.NamedExec("INSERT INTO t (a, b) VALUES (:a, :b::int)", u)
	s.db.Query(s.db.Rebind("SELECT c FROM t WHERE a = ? AND b = '?'"), 1)
	q, args, _ := sqlx.In("SELECT h FROM t WHERE a IN (?)", []int{1})
	s.db.Select(&u, s.db.Rebind(q), args...)
	sqlx.Select(s.db, &u, "SELECT d FROM t")
	s.pool.QueryRow(ctx, "SELECT e FROM t")
	b := &pgx.Batch{}
	b.Queue("SELECT f FROM t")
	s.orm.Raw("SELECT g FROM t").Scan(u)
	s.orm.Select("not sql: gorm's Select takes columns")
}
`
	f := extractOne(t, src)
	var calls []string
	for _, q := range f.Queries {
		calls = append(calls, q.Call)
	}
	assert.Equal(t, []string{
		"sqlx Select", "sqlx GetContext", "sqlx NamedExec", "sqlx Query", "sqlx Select",
		"sqlx Select", "pgx QueryRow", "pgx Batch.Queue", "gorm Raw",
	}, calls)
	assert.Equal(t, []string{
		"SELECT a FROM t WHERE b = $1", "SELECT b FROM t",
		"INSERT INTO t (a, b) VALUES (0 , 0 ::int)",
		"SELECT c FROM t WHERE a = 0 AND b = '?'",
		"SELECT h FROM t WHERE a IN (0)",
		"SELECT d FROM t", "SELECT e FROM t", "SELECT f FROM t", "SELECT g FROM t",
	}, texts(f))
	assert.False(t, f.Queries[2].Literal, "placeholders rewritten: not the literal's text")
}

func TestReachingAssignment(t *testing.T) {
	src := `package store

import (
	"database/sql"
	"fmt"
)

func f(db *sql.DB, cond bool) {
	query := "SELECT a FROM t"
	db.Query(query)
	query = "SELECT b FROM t WHERE %s"
	query = fmt.Sprintf(query, "x")
	db.Query(query)
	if cond {
		query = "SELECT c FROM t"
	}
	db.Query(query)
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 3)
	assert.Equal(t, []string{"SELECT a FROM t", "SELECT b FROM t WHERE _ ", "SELECT b FROM t WHERE _ "}, texts(f)[:3])
	assert.False(t, f.Queries[0].Partial)
	assert.True(t, f.Queries[0].Literal)
	assert.True(t, f.Queries[1].Partial, "a Sprintf verb")
	assert.True(t, f.Queries[2].Partial, "a branch may have changed it")
}

func TestWrappers(t *testing.T) {
	src := `package store

import "database/sql"

type Storage struct{ db *sql.DB }

func (s *Storage) fetch(query string, args ...any) (int, error) {
	var n int
	err := s.db.QueryRow(query, args...).Scan(&n)
	return n, err
}

func run(s *Storage, q string) { s.fetch(q) }

func (s *Storage) Count() (int, error) {
	return s.fetch("SELECT count(*) FROM entries WHERE id = $1", 1)
}

func other(s *Storage) { run(s, "DELETE FROM entries") }
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 2)
	assert.Equal(t, []string{"SELECT count(*) FROM entries WHERE id = $1", "DELETE FROM entries"}, texts(f))
	assert.Equal(t, "database/sql (*DB).QueryRow via (*Storage).fetch", f.Queries[0].Call)
	assert.Equal(t, &Read{Line: 9, Column: 9, Call: "QueryRow(...).Scan", Destinations: 1, Driver: "database/sql", Types: []string{"int"}}, f.Queries[0].Read)
	assert.Equal(t, "database/sql (*DB).QueryRow via run", f.Queries[1].Call, "a wrapper of a wrapper")
	assert.Equal(t, f.Queries[0].Read, f.Queries[1].Read, "read as the inner wrapper reads")
}

func TestQueryBuildersAreNotQueries(t *testing.T) {
	src := `package store

import (
	"context"

	"github.com/huandu/go-sqlbuilder"
	"github.com/jmoiron/sqlx"
)

type PGDatabase struct{ base }

func (db *PGDatabase) f(ctx context.Context, x *sqlx.DB) {
	sb := sqlbuilder.PostgreSQL.NewSelectBuilder()
	sb.Select("id", "url")
	x.Select("id", "url")
	var v string
	db.GetContext(ctx, &v, "SELECT version FROM system")
}
`
	f := extractOne(t, src)
	assert.Equal(t, []string{"SELECT version FROM system"}, texts(f),
		"a builder's Select is not sqlx's; a method of a type from a missing embedded type is matched by name")
	assert.Equal(t, "sqlx GetContext", f.Queries[0].Call)
}

func TestInterfacesThatMirrorALibrary(t *testing.T) {
	src := `package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type PgxIface interface {
	QueryRow(context.Context, string, ...any) pgx.Row
	Exec(job Job) error
}

type Job struct{}

type Runner interface{ Query(name string) error }

func f(ctx context.Context, db PgxIface, r Runner) {
	var n int
	_ = db.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n)
	_ = db.Exec(Job{})
	_ = r.Query("not sql: the SQL argument of pgx's Query is its second")
}
`
	f := extractOne(t, src)
	require.Len(t, f.Queries, 1)
	assert.Equal(t, "SELECT count(*) FROM t", texts(f)[0])
	assert.Equal(t, "pgx QueryRow", f.Queries[0].Call)
	assert.Equal(t, &Read{Line: 20, Column: 6, Call: "QueryRow(...).Scan", Destinations: 1, Driver: "pgx", Types: []string{"int"}}, f.Queries[0].Read)
}

// words returns the queries' SQL with runs of white space (line breaks
// included) as one space.
func words(f File) []string {
	var out []string
	for _, q := range f.Queries {
		out = append(out, strings.Join(strings.Fields(f.SQL[q.Start:q.End]), " "))
	}
	return out
}

// TestConstantsInConcatenations: a concatenation that holds constants
// (of this file or another of the package) or variables assigned once is
// checked with their text, put together and laid out over the Go source
// of the concatenation, going on over the blank bytes after it when it is
// longer, never over another query; the query is complete, no literal in
// place, and names the constants.
func TestConstantsInConcatenations(t *testing.T) {
	cols := "package store\n\nconst clientColumns = \"id, name, secret\"\n\nconst (\n\tq1 = \"SELECT id \"\n\tq2 = \"FROM clients\"\n)\n"
	src := "package store\n\nimport \"database/sql\"\n\n" +
		"const star = \"*\"\n\n" +
		"func f(db *sql.DB) {\n" +
		"\tdb.Query(\"SELECT \" + clientColumns + \" FROM clients WHERE id = $1\", 1)\n" +
		"\tdb.Query(q1 + q2)\n" +
		"\tbase := \"SELECT \" + star\n" +
		"\tdb.Query(base + \" FROM clients\")\n" +
		"\tdb.Query(`SELECT 1`)\n" +
		"\tdb.Exec(\"DELETE \" + q2)\n" +
		"}\n"
	files, errs := Extract([]source.File{{Path: "columns.go", Text: cols}, {Path: "store.go", Text: src}})
	require.Empty(t, errs)
	require.Len(t, files, 1)
	f := files[0]
	require.Len(t, f.SQL, len(src))
	for i := range src {
		require.Equal(t, src[i] == '\n', f.SQL[i] == '\n', "newline kept at %d", i)
	}
	assert.Equal(t, []string{
		"SELECT id, name, secret FROM clients WHERE id = $1",
		"SELECT id FROM clients",
		"SELECT * FROM clients",
		"SELECT 1",
		"DELETE _",
	}, words(f))
	assert.True(t, f.Queries[4].Partial, "no room before the end of the file: the constant stands in as _")
	for i, q := range f.Queries[:4] {
		assert.False(t, q.Partial, i)
		assert.True(t, sqlparse.Valid(f.SQL[q.Start:q.End]), i)
		assert.Equal(t, byte(';'), f.SQL[strings.IndexByte(f.SQL[q.End:], ';')+q.End], i)
	}
	q := f.Queries[0]
	assert.False(t, q.Literal, "the SQL is not in place: no fix edits it")
	assert.Equal(t, []string{"clientColumns (columns.go:3)"}, q.Names)
	assert.Equal(t, strings.Index(src, `"SELECT " + clientColumns`), q.Start, "the SQL starts where the concatenation does")
	assert.Equal(t, []string{"q1 (columns.go:6)", "q2 (columns.go:7)"}, f.Queries[1].Names, "a concatenation of names alone is found")
	assert.Equal(t, []string{"base (store.go:10)", "star (store.go:5)"}, f.Queries[2].Names)
	assert.True(t, f.Queries[3].Literal, "the query after keeps its literal in place")
	assert.Equal(t, strings.Index(src, "SELECT 1"), f.Queries[3].Start)
	_, err := q.Quote("id")
	assert.ErrorIs(t, err, ErrParts)
	assert.Contains(t, err.Error(), "clientColumns (columns.go:3)")
	assert.True(t, sqlparse.Valid(f.Checkable(src)), "the file's SQL parses as a whole:\n%s", f.SQL)
}

// TestAssembledSQLGoesOnAfterTheConcatenation: SQL longer than its
// concatenation goes on over the blank bytes after it, a line break only
// between words, and stops before another query: when it does not fit,
// its names stand in as unknown parts, in place.
func TestAssembledSQLGoesOnAfterTheConcatenation(t *testing.T) {
	src := "package store\n\nimport \"database/sql\"\n\n" +
		"const c = \"id, name, secret, 'a quoted string that is long', logo_uri, created_at, updated_at\"\n\n" +
		"func f(db *sql.DB) {\n" +
		"\tdb.Query(\"SELECT \" + c + \" FROM t\")\n" +
		"\t// pgsafe:ignore select-star-in-query a comment alone on its line\n" +
		"\t_ = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14\n" +
		"\t_ = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14\n" +
		"\tdb.Query(\"SELECT \" + c)\n" +
		"\tdb.Query(\"SELECT 2\")\n" +
		"}\n"
	f := extractOne(t, src)
	require.Len(t, f.Queries, 3)
	assert.Equal(t, []string{
		"SELECT id, name, secret, 'a quoted string that is long', logo_uri, created_at, updated_at FROM t",
		"SELECT _",
		"SELECT 2",
	}, words(f))
	q := f.Queries[0]
	assert.False(t, q.Partial)
	assert.Contains(t, f.SQL[q.Start:q.End], "'a quoted string that is long'", "a line break never splits a word")
	assert.Greater(t, strings.Count(f.SQL[q.Start:q.End], "\n"), 0, "the SQL goes on over the next lines")
	assert.True(t, f.Queries[1].Partial, "no room before the next query: the constant stands in as _")
	assert.Empty(t, f.Queries[2].Names)
	checkable := f.Checkable(src)
	assert.Equal(t, words(f)[0], strings.Join(strings.Fields(checkable[q.Start:q.End]), " "),
		"an ignore comment is not written over the SQL that goes on over its line")
	assert.True(t, sqlparse.Valid(checkable), "the file's SQL parses as a whole:\n%s", f.SQL)
}
