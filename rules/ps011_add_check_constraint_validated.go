package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddCheckConstraintValidated reports ALTER TABLE ... ADD CHECK without
// NOT VALID on an existing table (hazard catalog row 12), and a CHECK on
// a column that ADD COLUMN adds, which is checked the same way.
func AddCheckConstraintValidated() *Rule {
	return &Rule{
		Code: "PS011", Name: "add-check-constraint-validated", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ADD CHECK without NOT VALID on an existing table checks every row under ACCESS EXCLUSIVE.",
			Why: "Adding a CHECK constraint takes ACCESS EXCLUSIVE on the table and then reads every row to prove the " +
				"condition holds, so every query on the table, SELECT included, waits for the whole scan. Adding it " +
				"NOT VALID holds the lock only for a catalog update and enforces the check for new rows at once; " +
				"VALIDATE CONSTRAINT, in a later transaction, checks the old rows under a lock that lets reads and " +
				"writes continue. A CHECK written on a column in ADD COLUMN cannot be NOT VALID, so add it separately.",
			Bad: "ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0);",
			Good: "ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0) NOT VALID;\n" +
				"-- in a later transaction:\n" +
				"ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_check;",
			Help:  "add the check with NOT VALID, then VALIDATE CONSTRAINT it in a later transaction",
			Locks: "ACCESS EXCLUSIVE on the table while every row is checked: every query on the table waits, reads included.",
			FixSafety: "Safe for an ALTER TABLE with this one table constraint: adds it NOT VALID (named explicitly when it had no name) and puts " +
				"VALIDATE CONSTRAINT in a later transaction, the way the migration tool allows (in place, after COMMIT, or in a new migration file). " +
				"Display-only otherwise.",
			Versions:    "All versions. Tables created earlier in the same file are exempt.",
			CatalogRows: []int{12},
		},
		Check: checkAddCheckConstraintValidated,
	}
}

func checkAddCheckConstraintValidated(p *Pass) {
	added, table := addedConstraints(p, pg.ConstrType_CONSTR_CHECK)
	for _, a := range added {
		con := a.Constraint
		if con.GetSkipValidation() {
			continue
		}
		mode := p.LockOn(table)
		name := constraintName(p, table, con, a.Columns())
		help := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s CHECK (...) NOT VALID; %s",
			pgast.QuoteName(table), pgast.QuoteIdent(name), validateLater(p, table, name))
		if a.Column != nil {
			help = "add the column without the CHECK, then " + help
		}
		p.Report(Diagnostic{
			Span:    p.At(con.GetLocation()),
			Message: addedClause(a, "CHECK") + " " + LockImpact(mode, table, "while every row is checked"),
			Help:    help,
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{notValidFix(p, a, table, name, "Add the check NOT VALID, then validate it in a later transaction")},
		})
	}
}
