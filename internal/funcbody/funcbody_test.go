package funcbody_test

import (
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/funcbody"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// body parses file, whose one statement (after a prefix) creates a
// function, and returns its body.
func body(t *testing.T, file string) *funcbody.Body {
	t.Helper()
	tree, err := pg.Parse(file)
	require.NoError(t, err)
	raw := tree.GetStmts()[len(tree.GetStmts())-1]
	start := int(raw.GetStmtLocation())
	for start < len(file) && (file[start] == ' ' || file[start] == '\n') {
		start++
	}
	end := len(file)
	if raw.GetStmtLen() > 0 {
		end = int(raw.GetStmtLocation() + raw.GetStmtLen())
	}
	fn := raw.GetStmt().GetCreateFunctionStmt()
	require.NotNil(t, fn)
	return funcbody.Of(fn, file[start:end], start)
}

// starAt returns the file offset of the first * ColumnRef in q.
func starAt(q funcbody.Query) int {
	at := -1
	pgast.Walk(q.Node, func(n *pg.Node) bool {
		if cr := n.GetColumnRef(); cr != nil && at < 0 {
			f := cr.GetFields()
			if f[len(f)-1].GetAStar() != nil {
				at = q.Offset + int(cr.GetLocation())
			}
		}
		return true
	})
	return at
}

func TestSQLStringBody(t *testing.T) {
	file := "SELECT 1;\nCREATE FUNCTION f() RETURNS SETOF users LANGUAGE sql AS $fn$\n  SELECT * FROM users;\n  SELECT 2\n$fn$;"
	b := body(t, file)
	assert.Equal(t, "sql", b.Language)
	assert.False(t, b.Atomic)
	require.Len(t, b.Queries, 2)
	q := b.Queries[0]
	assert.True(t, q.Exact)
	assert.Equal(t, strings.Index(file, "SELECT *"), q.Span.Start)
	assert.Equal(t, strings.Index(file, "SELECT *")+len("SELECT * FROM users"), q.Span.End)
	assert.Equal(t, strings.Index(file, "*"), starAt(q))
}

func TestQuotedBody(t *testing.T) {
	file := "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT count(*) FROM users'"
	b := body(t, file)
	require.Len(t, b.Queries, 1)
	assert.True(t, b.Queries[0].Exact)
	assert.Equal(t, strings.Index(file, "SELECT count"), b.Queries[0].Span.Start)

	// A body with doubled quotes cannot be mapped byte for byte.
	b = body(t, "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT ''x'''")
	require.Len(t, b.Queries, 1)
	assert.False(t, b.Queries[0].Exact)
}

func TestAtomicBody(t *testing.T) {
	file := "CREATE FUNCTION f() RETURNS SETOF users LANGUAGE sql BEGIN ATOMIC SELECT * FROM users; SELECT 1; END"
	b := body(t, file)
	assert.True(t, b.Atomic)
	require.Len(t, b.Queries, 2)
	assert.Equal(t, strings.Index(file, "*"), starAt(b.Queries[0]))

	b = body(t, "CREATE FUNCTION g(a int) RETURNS int RETURN a + 1")
	assert.True(t, b.Atomic)
	require.Len(t, b.Queries, 1)
	assert.NotNil(t, b.Queries[0].Node.GetReturnStmt())
}

func TestPLpgSQLBody(t *testing.T) {
	file := `CREATE FUNCTION f(a int) RETURNS SETOF users LANGUAGE plpgsql AS $$
DECLARE r record; n int := 0;
BEGIN
  SELECT * INTO r FROM users WHERE id = a;
  n := (SELECT count(*) FROM orders);
  IF n > 1 THEN
    INSERT INTO users VALUES (1, 'x');
  END IF;
  PERFORM u.* FROM users u;
  RETURN QUERY SELECT users.* FROM users;
END $$`
	b := body(t, file)
	assert.Equal(t, "plpgsql", b.Language)
	require.NoError(t, b.Err)
	require.Len(t, b.Queries, 6)

	sel := b.Queries[0]
	assert.True(t, sel.Exact)
	assert.Equal(t, strings.Index(file, "SELECT * INTO"), sel.Span.Start)
	assert.Equal(t, strings.Index(file, "* INTO"), starAt(sel))

	assign := b.Queries[1]
	assert.True(t, assign.Expression)
	assert.Equal(t, strings.Index(file, "n := ("), assign.Span.Start, "an expression is placed at its line")

	cond := b.Queries[2]
	assert.True(t, cond.Expression)

	ins := b.Queries[3]
	assert.True(t, ins.Exact)
	assert.NotNil(t, ins.Node.GetInsertStmt())

	perform := b.Queries[4]
	assert.True(t, perform.Exact)
	assert.Equal(t, strings.Index(file, "PERFORM"), perform.Span.Start)
	assert.Equal(t, strings.Index(file, "u.*"), starAt(perform))

	ret := b.Queries[5]
	assert.True(t, ret.Exact)
	assert.Equal(t, strings.Index(file, "users.*"), starAt(ret))
}

func TestPLpgSQLError(t *testing.T) {
	b := body(t, "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT 1; END $$")
	assert.Error(t, b.Err)
	assert.Empty(t, b.Queries)
}

func TestOtherLanguages(t *testing.T) {
	b := body(t, "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'sym'")
	assert.Equal(t, "c", b.Language)
	assert.Empty(t, b.Queries)
}
