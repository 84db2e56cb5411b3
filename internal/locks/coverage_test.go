package locks_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"sort"
	"strings"
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// unreachableSubtypes are ALTER TABLE subcommands that the model maps but
// that no SQL can produce on the server the tests run on, with the reason.
var unreachableSubtypes = map[pg.AlterTableType]string{
	pg.AlterTableType_AT_AddColumnToView:           "internal: CREATE OR REPLACE VIEW adding columns",
	pg.AlterTableType_AT_CookedColumnDefault:       "internal: a default already transformed",
	pg.AlterTableType_AT_CheckNotNull:              "internal: recursion of SET NOT NULL to partitions (PostgreSQL 12 to 16)",
	pg.AlterTableType_AT_AddIndex:                  "internal: ADD PRIMARY KEY and UNIQUE after parse analysis",
	pg.AlterTableType_AT_AddIndexConstraint:        "internal: ADD CONSTRAINT ... USING INDEX after parse analysis",
	pg.AlterTableType_AT_ReAddIndex:                "internal: an index rebuilt by ALTER COLUMN TYPE",
	pg.AlterTableType_AT_ReAddConstraint:           "internal: a constraint rebuilt by ALTER COLUMN TYPE",
	pg.AlterTableType_AT_ReAddDomainConstraint:     "internal: a domain constraint rebuilt by ALTER COLUMN TYPE",
	pg.AlterTableType_AT_ReAddComment:              "internal: a comment restored by ALTER COLUMN TYPE",
	pg.AlterTableType_AT_ReAddStatistics:           "internal: extended statistics rebuilt by ALTER COLUMN TYPE",
	pg.AlterTableType_AT_ReplaceRelOptions:         "internal: CREATE OR REPLACE VIEW replacing its options",
	pg.AlterTableType_AT_SetExpression:             "ALTER COLUMN SET EXPRESSION exists from PostgreSQL 17",
	pg.AlterTableType_AT_AlterColumnGenericOptions: "foreign tables only: needs a foreign data wrapper, which the test server may lack",
	pg.AlterTableType_AT_GenericOptions:            "foreign tables only: needs a foreign data wrapper, which the test server may lack",
	pg.AlterTableType_AT_DetachPartitionFinalize:   "needs a detach that was interrupted halfway",
}

// TestLockCasesCoverModel checks that the cases of TestModelMatchesPgLocks
// and TestAloneMatchesPgLocks cover every ALTER TABLE subcommand in the
// model and every statement kind that Statement handles.
func TestLockCasesCoverModel(t *testing.T) {
	subtypes := map[pg.AlterTableType]bool{}
	kinds := map[string]bool{}
	var sqls []string
	for _, tc := range lockCases {
		sqls = append(sqls, tc.sql)
	}
	for _, tc := range aloneCases {
		sqls = append(sqls, tc.sql)
	}
	for _, sql := range sqls {
		tree, err := pg.Parse(sql)
		require.NoError(t, err, sql)
		node := tree.GetStmts()[0].GetStmt()
		kinds[reflect.TypeOf(node.GetNode()).Elem().Name()] = true
		for _, c := range node.GetAlterTableStmt().GetCmds() {
			subtypes[c.GetAlterTableCmd().GetSubtype()] = true
		}
	}
	for subtype := range locks.AlterTableModes {
		_, unreachable := unreachableSubtypes[subtype]
		assert.True(t, subtypes[subtype] || unreachable, "no case covers ALTER TABLE subcommand %s", subtype)
		assert.False(t, subtypes[subtype] && unreachable, "%s is covered: take it out of unreachableSubtypes", subtype)
	}
	handled := statementKinds(t)
	require.NotEmpty(t, handled)
	for _, kind := range handled {
		assert.True(t, kinds[kind], "no case covers %s, which Statement handles", kind)
	}
}

// statementKinds returns the node types of the cases of Statement's type
// switch in model.go, such as "Node_IndexStmt".
func statementKinds(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "model.go", nil, 0)
	require.NoError(t, err)
	var out []string
	ast.Inspect(file, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Statement" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			cc, ok := n.(*ast.CaseClause)
			if !ok {
				return true
			}
			for _, e := range cc.List {
				if star, ok := e.(*ast.StarExpr); ok {
					if sel, ok := star.X.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "Node_") {
						out = append(out, sel.Sel.Name)
					}
				}
			}
			return true
		})
		return false
	})
	sort.Strings(out)
	return out
}
