package pgast_test

import (
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
