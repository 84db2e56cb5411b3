package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RenameTable reports ALTER TABLE ... RENAME TO on an existing table and
// ALTER SCHEMA ... RENAME TO (hazard catalog row 23).
func RenameTable() *Rule {
	return &Rule{
		Code: "PS026", Name: "rename-table", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER TABLE ... RENAME TO on an existing table, or ALTER SCHEMA ... RENAME TO.",
			Why: "The application servers still running the previous release keep using the old name until they are " +
				"replaced, and every query of theirs on the table (or on anything in the schema) fails from the moment " +
				"the migration commits. Renaming a table also takes a brief ACCESS EXCLUSIVE lock on it.",
			Bad: "ALTER TABLE accounts RENAME TO customers;",
			Good: "BEGIN;\n" +
				"ALTER TABLE accounts RENAME TO customers;\n" +
				"CREATE VIEW accounts AS SELECT * FROM customers;\n" +
				"COMMIT;\n" +
				"-- after every server runs the new code: DROP VIEW accounts;",
			Help: "in the same transaction, create a view with the old name over the renamed table, and drop it once no " +
				"running code uses the old name",
			Locks:       "ACCESS EXCLUSIVE, briefly; what breaks is the code still running that uses the old name.",
			FixSafety:   "Display-only: the recipe spans two deploys.",
			Versions:    "All versions.",
			CatalogRows: []int{23},
		},
		Check: checkRenameTable,
	}
}

func checkRenameTable(p *Pass) {
	rn := p.Stmt.Node.GetRenameStmt()
	switch rn.GetRenameType() {
	case pg.ObjectType_OBJECT_TABLE:
		table := pgast.RelName(rn.GetRelation())
		if table == "" || p.IsNew(table) || replacedByViewLater(p, table) {
			return
		}
		mode := p.LockOn(table)
		p.Report(Diagnostic{
			Span: p.At(rn.GetRelation().GetLocation()),
			Message: fmt.Sprintf("renaming %s to %s breaks every query of code still running on the old schema; it %s",
				Display(table), rn.GetNewname(), LockImpact(mode, table, "briefly")),
			Lock:  mode,
			Table: Display(table),
			Fixes: []Fix{Recipe("Create a view with the old name in the same transaction, and drop it after the deploy")},
		})
	case pg.ObjectType_OBJECT_SCHEMA:
		p.Report(Diagnostic{
			Message: fmt.Sprintf("renaming schema %s to %s breaks every query of code still running on the old schema that names %s",
				rn.GetSubname(), rn.GetNewname(), rn.GetSubname()),
			Help:  "create the new schema and move objects behind views, or keep both names on the search_path until every server runs the new code",
			Fixes: []Fix{Recipe("Keep the old schema name usable until every server runs the new code")},
		})
	default:
	}
}
