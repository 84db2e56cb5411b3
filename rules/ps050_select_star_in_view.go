package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// SelectStarInView reports * and t.* in the query of a view or
// materialized view (hazard catalog row 38).
func SelectStarInView() *Rule {
	return &Rule{
		Code: "PS050", Name: "select-star-in-view", Severity: Hint, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "SELECT * or t.* in a view or materialized view.",
			Why: "PostgreSQL expands * when it creates the view and stores the column list it found: a column added " +
				"to the table later never shows up in the view, and the view depends on every column it took, so " +
				"dropping or retyping any of them fails (or CASCADE drops the view). Re-running the same CREATE OR " +
				"REPLACE VIEW after the table changed expands * differently and fails when a column moved. The " +
				"finding rises to a warning when a later migration of the set changes the columns the * takes.",
			Bad:  "CREATE VIEW active_users AS SELECT * FROM users WHERE active;",
			Good: "CREATE VIEW active_users AS SELECT id, email, active FROM users WHERE active;",
			Help: "name the columns the view needs instead of *",
			FixSafety: "Safe when the catalog knows every column the * stands for: it writes them, quoted where needed, " +
				"as they are at that point of the migration history, which is the list PostgreSQL stores. " +
				"Display-only otherwise.",
			CatalogRows: []int{38},
		},
		Check: checkSelectStarInView,
	}
}

func checkSelectStarInView(p *Pass) {
	var q *pg.Node
	var what string
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_ViewStmt:
		q, what = n.ViewStmt.GetQuery(), "view "+Display(pgast.RelName(n.ViewStmt.GetView()))
	case *pg.Node_CreateTableAsStmt:
		if n.CreateTableAsStmt.GetObjtype() != pg.ObjectType_OBJECT_MATVIEW {
			return
		}
		q, what = n.CreateTableAsStmt.GetQuery(), "materialized view "+Display(pgast.RelName(n.CreateTableAsStmt.GetInto().GetRel()))
	default:
		return
	}
	sq := statementQuery(p)
	var bs []binding // one finding for the statement, naming every star
	for _, st := range resolve.Statement(q, p.Catalog).Stars {
		span := sq.at(p, st)
		bs = append(bs, binding{st.Tables, Diagnostic{
			Span: span,
			Message: fmt.Sprintf("%s in %s freezes the columns of %s as they are now, and makes every one of them "+
				"impossible to drop or retype while the view exists",
				starWhat(p, st, span, true), what, starTables(st)),
			Help:  starHelp(st),
			Fixes: []Fix{starFix(st, span, true)},
		}, nil, nil, false})
	}
	reportBindings(p, bs)
}
