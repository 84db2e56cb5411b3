package pgast_test

import (
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// TestParserVersion pins the version Deparse wants to the parser's, so
// that a pg_query_go upgrade fails here rather than in ExprSQL.
func TestParserVersion(t *testing.T) {
	tree, err := pg.Parse("SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, int32(pgast.ParserVersion), tree.GetVersion())
}

func TestExprSQL(t *testing.T) {
	tree, err := pg.Parse("SELECT nextval('s'::regclass), now() + interval '1 day'")
	require.NoError(t, err)
	tl := tree.GetStmts()[0].GetStmt().GetSelectStmt().GetTargetList()
	assert.Equal(t, "nextval('s'::regclass)", pgast.ExprSQL(tl[0].GetResTarget().GetVal()))
	assert.Equal(t, "now() + '1 day'::interval", pgast.ExprSQL(tl[1].GetResTarget().GetVal()))
	assert.Equal(t, "", pgast.ExprSQL(nil))
}

// TestExprSQLRefusesDeepExpressions checks that ExprSQL does not hand
// pg_query's deparser an expression deep enough to overflow its stack:
// 1+1+...+1 with n terms nests 2n+1 messages (a Node and an A_Expr per
// operator, and a Node, an A_Const and an Integer for the first 1).
func TestExprSQLRefusesDeepExpressions(t *testing.T) {
	chain := func(n int) *pg.Node {
		tree, err := pg.Parse("SELECT 1" + strings.Repeat("+1", n-1))
		require.NoError(t, err)
		return tree.GetStmts()[0].GetStmt().GetSelectStmt().GetTargetList()[0].GetResTarget().GetVal()
	}
	limit := (pgast.MaxDeparseDepth - 1) / 2 // the most terms within the limit
	assert.True(t, strings.HasSuffix(pgast.ExprSQL(chain(limit)), "1) + 1"))
	assert.Equal(t, "", pgast.ExprSQL(chain(limit+1)))
	assert.Equal(t, "", pgast.ExprSQL(chain(2400)))
}

func TestKeyOfDisplayInvertsDisplayName(t *testing.T) {
	for _, key := range []string{"public.users", "public.Users", "app.orders", "app.Mixed Case"} {
		assert.Equal(t, key, pgast.KeyOfDisplay(pgast.DisplayName(key)), "names keep their case: they are stored, not written")
	}
}
