package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AlterDomainConstraint reports ALTER DOMAIN ... ADD CONSTRAINT without NOT
// VALID and ALTER DOMAIN ... SET NOT NULL on a domain that existed before
// the file (hazard catalog row 33).
func AlterDomainConstraint() *Rule {
	return &Rule{
		Code: "PS047", Name: "alter-domain-constraint", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER DOMAIN adds a validated constraint or NOT NULL, scanning every column of the domain under SHARE.",
			Why: "To add a constraint to a domain, PostgreSQL checks every row of every table with a column of that domain, " +
				"holding a SHARE lock on each of those tables until the transaction commits: no INSERT, UPDATE or DELETE " +
				"on any of them can run during the scans. Added as NOT VALID, the constraint is recorded at once and " +
				"checked for new values only; VALIDATE CONSTRAINT then checks the existing rows in a step of its own. " +
				"Through PostgreSQL 18 VALIDATE still takes SHARE on those tables, so run it alone, at a quiet time, " +
				"with a lock_timeout.",
			Bad:  "ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0);",
			Good: "ALTER DOMAIN positive_amount ADD CONSTRAINT positive_amount_check CHECK (VALUE > 0) NOT VALID;\n-- next migration\nALTER DOMAIN positive_amount VALIDATE CONSTRAINT positive_amount_check;",
			Help: "add the constraint with NOT VALID, then VALIDATE CONSTRAINT it in a transaction of its own; for NOT NULL " +
				"add CHECK (VALUE IS NOT NULL) NOT VALID instead",
			Locks: "SHARE on every table with a column of the domain while those columns are checked: writes to all of them wait.",
			FixSafety: "Display-only: a NOT VALID constraint leaves old rows unchecked until VALIDATE runs, so the split is " +
				"left to a human.",
			Versions: "All versions scan. VALIDATE CONSTRAINT on a domain takes SHARE on the tables through PostgreSQL 18; " +
				"PostgreSQL's development branch lowers it to SHARE UPDATE EXCLUSIVE.",
			CatalogRows: []int{33},
		},
		Check: checkAlterDomainConstraint,
	}
}

func checkAlterDomainConstraint(p *Pass) {
	ad := p.Stmt.Node.GetAlterDomainStmt()
	if ad == nil {
		return
	}
	domain := pgast.QualifyName(pgast.Strings(ad.GetTypeName()))
	var what, fix string
	switch ad.GetSubtype() {
	case "C":
		con := ad.GetDef().GetConstraint()
		switch {
		case con.GetSkipValidation():
			return
		case con.GetContype() == pg.ConstrType_CONSTR_NOTNULL:
			what, fix = "ADD NOT NULL", notNullDomainFix(pgast.LastString(ad.GetTypeName()))
		default:
			what, fix = "ADD CONSTRAINT", "Add the constraint NOT VALID, then VALIDATE CONSTRAINT it in a transaction of its own"
		}
	case "O":
		what, fix = "SET NOT NULL", notNullDomainFix(pgast.LastString(ad.GetTypeName()))
	default:
		return
	}
	if createdInFile(p, "domain", domain) {
		return // no column uses a domain created in this file before it changes
	}
	d := Display(domain)
	p.Report(Diagnostic{
		Message: fmt.Sprintf("ALTER DOMAIN %s %s takes SHARE on every table with a column of domain %s and checks all their "+
			"rows, which blocks writes to those tables for the whole scan", d, what, d),
		Lock:  locks.Share,
		Fixes: []Fix{Recipe(fix)},
	})
}

// notNullDomainFix phrases the recipe for a NOT NULL domain constraint;
// name is the domain's name without its schema.
func notNullDomainFix(name string) string {
	return fmt.Sprintf("Add CONSTRAINT %s_not_null CHECK (VALUE IS NOT NULL) NOT VALID instead, then VALIDATE CONSTRAINT it "+
		"in a transaction of its own", name)
}
