package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/resolve"
)

// InsertWithoutColumnList reports an INSERT that names no columns, in a
// migration, a function body or an application query (hazard catalog
// row 38).
func InsertWithoutColumnList() *Rule {
	return &Rule{
		Code: "PS053", Name: "insert-without-column-list", Severity: Hint, FixAvailability: FixSometimes, Queries: true,
		Doc: Doc{
			Summary: "INSERT without a column list, with VALUES or SELECT.",
			Why: "Without a column list the values fill the table's columns by position: the statement depends on " +
				"the number and order of the columns as they are when it runs. A column dropped or retyped shifts or " +
				"misfits the values, and the order of columns differs between databases built by different paths " +
				"(a squashed schema, a restored dump, columns added in another order). In a function body or an " +
				"application query the statement meets every later schema. The finding rises to a warning when a " +
				"later migration of the set (for a query file: a pending one) adds, drops, retypes or moves columns " +
				"of the table.",
			Bad:  "INSERT INTO users VALUES (1, 'ada@example.com', now());",
			Good: "INSERT INTO users (id, email, created_at) VALUES (1, 'ada@example.com', now());",
			Help: "name the columns the INSERT fills",
			FixSafety: "Safe when the catalog knows the table completely and the number of values: it inserts the " +
				"columns the values fill, as they are at that point of the migration history (after the whole set, " +
				"in a query file). In Go code (--code), the column list is written into the query's string literal, " +
				"quoted for it, when the query is one fully known literal at the call; advice otherwise. " +
				"Display-only otherwise, and in PL/pgSQL bodies it cannot place exactly.",
			CatalogRows: []int{38},
		},
		Check: checkInsertWithoutColumnList,
	}
}

func checkInsertWithoutColumnList(p *Pass) {
	if queries, body := functionQueries(p); body != nil {
		for _, q := range queries {
			reportPositionalInsert(p, q, "in "+functionName(p)+" ")
		}
		return
	}
	reportPositionalInsert(p, statementQuery(p), "")
}

// reportPositionalInsert reports q when it is an INSERT without a column
// list; where says where it runs, for the message.
func reportPositionalInsert(p *Pass, q query, where string) {
	ins := q.node.GetInsertStmt()
	if ins == nil || len(ins.GetCols()) > 0 {
		return // not an INSERT, or one that names its columns
	}
	res := resolve.Statement(q.node, p.Catalog)
	if !res.Positional {
		return
	}
	source := "VALUES"
	if ins.GetSelectStmt().GetSelectStmt().GetValuesLists() == nil {
		source = "SELECT"
	}
	fix, help := insertColumnsFix(p, q, ins, res)
	reportBinding(p, []resolve.Ref{res.Target}, Diagnostic{
		Span: q.span,
		Message: fmt.Sprintf("INSERT INTO %s ... %s %swithout a column list fills the columns by position: it depends on "+
			"their number and order when it runs", Display(res.Target.Table), source, where),
		Help:  help,
		Table: Display(res.Target.Table),
		Fixes: []Fix{fix},
	})
}
