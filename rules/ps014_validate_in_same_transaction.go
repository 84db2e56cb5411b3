package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// ValidateInSameTransaction reports VALIDATE CONSTRAINT in the same
// transaction as the ADD CONSTRAINT ... NOT VALID that added the
// constraint: the add's lock is still held during the validation scan.
func ValidateInSameTransaction() *Rule {
	return &Rule{
		Code: "PS014", Name: "validate-in-same-transaction", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "VALIDATE CONSTRAINT in the same transaction as the ADD CONSTRAINT ... NOT VALID it validates.",
			Why: "NOT VALID followed by VALIDATE CONSTRAINT avoids a long lock only when a commit separates them. " +
				"Locks last until the end of the transaction, so in one transaction the ACCESS EXCLUSIVE lock taken " +
				"by ADD CHECK (SHARE ROW EXCLUSIVE on both tables for a foreign key) is still held while VALIDATE reads " +
				"every row: the table is blocked for the whole scan, exactly as if NOT VALID had not been used. " +
				"Migration tools that wrap each file in a transaction do this when both statements share a file.",
			Bad: "BEGIN;\n" +
				"ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;\n" +
				"ALTER TABLE orders VALIDATE CONSTRAINT orders_account_id_fkey;\n" +
				"COMMIT;",
			Good: "BEGIN;\n" +
				"ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;\n" +
				"COMMIT;\n" +
				"BEGIN;\n" +
				"ALTER TABLE orders VALIDATE CONSTRAINT orders_account_id_fkey;\n" +
				"COMMIT;",
			Help: "commit after ADD CONSTRAINT ... NOT VALID and validate in a later transaction, or in the next migration " +
				"when the tool wraps each file in a transaction",
			Locks: "The ACCESS EXCLUSIVE that ADD CONSTRAINT took (SHARE ROW EXCLUSIVE on both tables for a foreign key) is still held while VALIDATE reads every row: the table is blocked for the whole scan.",
			FixSafety: "Safe for an ALTER TABLE whose only subcommand is the VALIDATE: moves it to a transaction of its " +
				"own, after a COMMIT or in a new migration, the way the file's migration tool allows (docs/frameworks.md). " +
				"Display-only for combined ALTERs and where the tool has no way out of its transaction.",
			Versions: "All versions. Tables created earlier in the same file are exempt.",
		},
		Check: checkValidateInSameTransaction,
	}
}

func checkValidateInSameTransaction(p *Pass) {
	st, table := alterExisting(p)
	if st == nil {
		return
	}
	for _, cmd := range pgast.AlterCmds(st, pg.AlterTableType_AT_ValidateConstraint) {
		name := cmd.GetName()
		add := notValidAddIn(p, table, name)
		if add == nil {
			continue
		}
		help := "COMMIT after the ADD CONSTRAINT ... NOT VALID and run the VALIDATE in a new transaction"
		if p.Stmt.Tx.Kind != migration.TxExplicit {
			help = "move the VALIDATE CONSTRAINT into the next migration, so that it runs in its own transaction"
		}
		held := locksOf(p, add)
		mode := locks.Strongest(held, table)
		p.Report(Diagnostic{
			Message: fmt.Sprintf("VALIDATE CONSTRAINT %s runs in the same transaction as its ADD CONSTRAINT ... NOT VALID "+
				"at line %d, and locks last until commit: the add %s until the validation scan ends",
				name, p.Line(add), heldLocks(held, table)),
			Help:    help,
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{validateLaterFix(p)},
			Related: []Related{p.RelatedTo(add, "the ADD CONSTRAINT ... NOT VALID in the same transaction")},
		})
	}
}

// notValidAddIn returns the earlier statement of the current transaction
// that adds constraint name to table NOT VALID, nil when none does.
func notValidAddIn(p *Pass, table, name string) *migration.Statement {
	type constraint struct{ table, name string }
	adds := earlier(p, "validate-in-same-transaction", func(acc *map[constraint]*migration.Statement, st *migration.Statement) {
		at := st.Node.GetAlterTableStmt()
		if at == nil || st.Tx == nil {
			return
		}
		for _, a := range pgast.AddedConstraints(at) {
			k := constraint{pgast.RelName(at.GetRelation()), a.Constraint.GetConname()}
			if _, seen := (*acc)[k]; a.Constraint.GetSkipValidation() && !seen {
				if *acc == nil {
					*acc = map[constraint]*migration.Statement{}
				}
				(*acc)[k] = st
			}
		}
	})
	return (*adds)[constraint{table, name}]
}

// heldLocks describes the locks an earlier statement took, the table's
// first: "takes SHARE ROW EXCLUSIVE on orders, which blocks writes, and
// SHARE ROW EXCLUSIVE on accounts".
func heldLocks(held []locks.Lock, table string) string {
	s := LockImpact(locks.Strongest(held, table), table, "")
	for _, l := range held {
		if l.Relation != table && l.Role == locks.RoleReferenced {
			s += fmt.Sprintf(", and %s on %s", l.Mode, Display(l.Relation))
		}
	}
	return s
}

// validateLaterFix moves a lone VALIDATE CONSTRAINT into a later
// transaction; a combined ALTER keeps the recipe.
func validateLaterFix(p *Pass) Fix {
	const title = "Commit between the ADD CONSTRAINT ... NOT VALID and the VALIDATE"
	if !singleSubcommand(p) {
		return Recipe(title)
	}
	return StepsFix(p, title, Safe, locks.None, Step{}, Step{SQL: p.StmtText() + ";"})
}
