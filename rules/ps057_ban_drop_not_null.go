package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// BanDropNotNull reports ALTER COLUMN ... DROP NOT NULL on an existing
// table, in up migrations.
func BanDropNotNull() *Rule {
	return &Rule{
		Code: "PS057", Name: "ban-drop-not-null", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "ALTER COLUMN ... DROP NOT NULL on an existing table.",
			Why: "NOT NULL is a promise that code relies on without saying so: a query that compares the column, a report " +
				"that sums it, a struct field that is not a pointer, a sort or join that assumes every row has a value. " +
				"The statement itself is instant, but once it has run, new rows may hold NULL, and the code that still " +
				"assumes they cannot breaks on them, often far from the migration. Deploy code that copes with NULL first, " +
				"then drop the constraint; or keep it and give new rows a default. Down migrations are not reported: " +
				"there DROP NOT NULL undoes the up's SET NOT NULL for the code that ran before it.",
			Bad:  "ALTER TABLE accounts ALTER COLUMN email DROP NOT NULL;",
			Good: "-- first deploy code that handles accounts.email being NULL, then:\nALTER TABLE accounts ALTER COLUMN email DROP NOT NULL;",
			Help: "make every reader of the column cope with NULL before dropping NOT NULL, or keep the constraint and SET DEFAULT",
			FixSafety: "No fix: whether the code copes with NULL cannot be seen from the migration. Suppress the finding " +
				"once it does.",
			Versions: "All versions.",
		},
		Check: checkBanDropNotNull,
	}
}

func checkBanDropNotNull(p *Pass) {
	if p.Stmt.Direction == migration.Down {
		return // a down migration undoes its up's SET NOT NULL for the code that ran before it
	}
	table, cmds := existingTableAlter(p)
	var columns []string
	for _, cmd := range cmds {
		if cmd.GetSubtype() == pg.AlterTableType_AT_DropNotNull {
			columns = append(columns, cmd.GetName())
		}
	}
	if len(columns) == 0 {
		return
	}
	// One finding for the statement, naming every column.
	p.Report(Diagnostic{
		Table: Display(table),
		Message: fmt.Sprintf("DROP NOT NULL lets rows of %s hold NULL in %s: code that assumes every row has a value breaks on the first such row",
			Display(table), strings.Join(columns, ", ")),
	})
}
