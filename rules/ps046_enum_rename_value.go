package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// EnumRenameValue reports ALTER TYPE ... RENAME VALUE on an enum type that
// existed before the file (hazard catalog row 32).
func EnumRenameValue() *Rule {
	return &Rule{
		Code: "PS046", Name: "enum-rename-value", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER TYPE ... RENAME VALUE renames an enum label that running code still uses.",
			Why: "Renaming an enum value is instant, but application servers still running the previous release keep " +
				"sending the old label: every INSERT, UPDATE or WHERE clause that uses it fails with \"invalid input " +
				"value for enum\" from the moment the migration commits until the last old server is gone, and the " +
				"rename cannot be rolled back without another migration.",
			Bad: "ALTER TYPE order_status RENAME VALUE 'done' TO 'closed';",
			Good: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'closed';\n" +
				"-- deploy code that reads both and writes 'closed', then move the rows in batches:\n" +
				"UPDATE orders SET status = 'closed' WHERE status = 'done' AND id >= 1 AND id < 10001;",
			Help: "add the new value, deploy code that accepts both and writes the new one, move the rows over in batches, " +
				"and leave the old value unused (removing an enum value needs a new type)",
			FixSafety:   "Display-only: the safe path spans several deploys.",
			Versions:    "RENAME VALUE exists from PostgreSQL 10, so on every supported version.",
			CatalogRows: []int{32},
		},
		Check: checkEnumRenameValue,
	}
}

func checkEnumRenameValue(p *Pass) {
	ae := p.Stmt.Node.GetAlterEnumStmt()
	if ae == nil || ae.GetOldVal() == "" {
		return
	}
	typ := pgast.QualifyName(pgast.Strings(ae.GetTypeName()))
	if createdInFile(p, "enum", typ) {
		return // a type created in this file has no users yet
	}
	p.Report(Diagnostic{
		Message: fmt.Sprintf("renaming value '%s' of %s to '%s' breaks code still running on the old schema: every query "+
			"that still sends '%s' fails with \"invalid input value for enum\"", ae.GetOldVal(), Display(typ), ae.GetNewVal(), ae.GetOldVal()),
		Fixes: []Fix{Recipe("Add the new value, switch the code and the rows over, and leave the old value unused")},
	})
}
