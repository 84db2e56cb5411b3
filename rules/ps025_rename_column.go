package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RenameColumn reports ALTER TABLE ... RENAME COLUMN on an existing table
// (hazard catalog row 22).
func RenameColumn() *Rule {
	return &Rule{
		Code: "PS025", Name: "rename-column", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "RENAME COLUMN on an existing table.",
			Why: "The application servers still running the previous release keep using the old column name until they " +
				"are replaced, and every query of theirs that names it fails from the moment the migration commits. The " +
				"rename itself takes a brief ACCESS EXCLUSIVE lock. A swap is not reported: a column renamed away from a " +
				"name that another column takes in the same transaction (as the online rewrite of a type change does), " +
				"since code finds a column of that name before and after.",
			Bad: "ALTER TABLE accounts RENAME COLUMN name TO full_name;",
			Good: "BEGIN;\n" +
				"ALTER TABLE accounts RENAME TO accounts_v2;\n" +
				"ALTER TABLE accounts_v2 RENAME COLUMN name TO full_name;\n" +
				"CREATE VIEW accounts AS SELECT *, full_name AS name FROM accounts_v2;\n" +
				"COMMIT;\n" +
				"-- after every server runs the new code: DROP VIEW accounts; ALTER TABLE accounts_v2 RENAME TO accounts;",
			Help: "expand and contract: add the new column, write both, backfill, switch reads, then drop the old one; or " +
				"rename the table and put a view with the old names in its place in the same transaction",
			Locks:       "ACCESS EXCLUSIVE, briefly; what breaks is the code still running that uses the old name.",
			FixSafety:   "Display-only: the recipe spans several deploys.",
			Versions:    "All versions.",
			CatalogRows: []int{22},
		},
		Check: checkRenameColumn,
	}
}

func checkRenameColumn(p *Pass) {
	rn := p.Stmt.Node.GetRenameStmt()
	if rn == nil || rn.GetRenameType() != pg.ObjectType_OBJECT_COLUMN || rn.GetRelationType() != pg.ObjectType_OBJECT_TABLE {
		return
	}
	table := pgast.RelName(rn.GetRelation())
	if p.IsNew(table) {
		return
	}
	if old := renamedFromInTx(p, table); old != "" && replacedByViewLater(p, old) {
		return // the rename-and-view recipe keeps the old name readable
	}
	if swapRename(p) {
		return // another column takes the name in the same transaction
	}
	mode := p.LockOn(table)
	p.Report(Diagnostic{
		Span: p.At(rn.GetRelation().GetLocation()),
		Message: fmt.Sprintf("renaming column %s of %s to %s breaks every query of code still running on the old schema that names %s; it %s",
			rn.GetSubname(), Display(table), rn.GetNewname(), rn.GetSubname(), LockImpact(mode, table, "briefly")),
		Lock:  mode,
		Table: Display(table),
		Fixes: []Fix{Recipe("Expand and contract: add the new column, backfill, switch the code, then drop the old one")},
	})
}

// renamedFromInTx returns the key table had before an ALTER TABLE ...
// RENAME TO earlier in the current transaction, "" when there is none.
func renamedFromInTx(p *Pass, table string) string {
	if p.Stmt.Tx == nil {
		return ""
	}
	renamed := earlier(p, "renamed-tables", func(acc *map[string]string, st *migration.Statement) {
		rn := st.Node.GetRenameStmt()
		if rn == nil || rn.GetRenameType() != pg.ObjectType_OBJECT_TABLE {
			return
		}
		old := pgast.RelName(rn.GetRelation())
		if _, seen := (*acc)[renamedKey(old, rn.GetNewname())]; !seen {
			if *acc == nil {
				*acc = map[string]string{}
			}
			(*acc)[renamedKey(old, rn.GetNewname())] = old
		}
	})
	return (*renamed)[table]
}

// renamedKey returns the key of table old after RENAME TO newName: the
// new name in the old schema.
func renamedKey(old, newName string) string {
	for i := len(old) - 1; i >= 0; i-- {
		if old[i] == '.' {
			return old[:i+1] + newName
		}
	}
	return pgast.DefaultSchema + "." + newName
}
