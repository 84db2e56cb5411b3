package schema_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// TestDefinitionsFollowRenames checks that the definitions of indexes and
// constraints name a renamed column by its new name, and that the parse
// tree the statements came from, which others share, keeps the old one.
func TestDefinitionsFollowRenames(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, `CREATE TABLE p (id bigint PRIMARY KEY);
CREATE TABLE t (id bigint PRIMARY KEY, a int CHECK (a > 0) REFERENCES p, b int, CONSTRAINT t_ab CHECK (a < b));
CREATE INDEX t_a_idx ON t (a, lower(b::text)) INCLUDE (id) WHERE a > 1;`)
	before := c.Clone()
	replaySQL(t, c, "ALTER TABLE t RENAME COLUMN a TO z;")

	ix := c.Index("public.t_a_idx")
	require.NotNil(t, ix)
	assert.True(t, ix.Uses("z"))
	assert.False(t, ix.Uses("a"))
	assert.Equal(t, "CREATE INDEX t_a_idx ON t USING btree (z, lower(b::text)) INCLUDE (id) WHERE z > 1", deparse(t, &pg.Node{Node: &pg.Node_IndexStmt{IndexStmt: ix.Def}}))
	old := before.Index("public.t_a_idx")
	assert.Equal(t, "CREATE INDEX t_a_idx ON t USING btree (a, lower(b::text)) INCLUDE (id) WHERE a > 1", deparse(t, &pg.Node{Node: &pg.Node_IndexStmt{IndexStmt: old.Def}}))

	tb := c.Table("public.t")
	assert.Equal(t, "z > 0", pgast.ExprSQL(tb.Constraint("t_a_check").Def.GetRawExpr()))
	assert.Equal(t, "z < b", pgast.ExprSQL(tb.Constraint("t_ab").Def.GetRawExpr()))
	assert.Equal(t, []string{"z"}, tb.Constraint("t_a_fkey").Columns)
	assert.Equal(t, "a < b", pgast.ExprSQL(before.Table("public.t").Constraint("t_ab").Def.GetRawExpr()))
}

// TestSequenceOwnedBy finds the sequence of a serial column.
func TestSequenceOwnedBy(t *testing.T) {
	c := schema.New()
	replaySQL(t, c, "CREATE TABLE t (id serial PRIMARY KEY, n int);")
	assert.Equal(t, "public.t_id_seq", c.SequenceOwnedBy("public.t.id"))
	assert.Empty(t, c.SequenceOwnedBy("public.t.n"))
}

func deparse(t *testing.T, n *pg.Node) string {
	t.Helper()
	sql, err := pg.Deparse(&pg.ParseResult{Version: pgast.ParserVersion, Stmts: []*pg.RawStmt{{Stmt: n}}})
	require.NoError(t, err)
	return sql
}
