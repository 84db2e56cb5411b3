package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddForeignKeyValidated reports ALTER TABLE ... ADD CONSTRAINT ...
// FOREIGN KEY without NOT VALID on an existing table (hazard catalog row
// 9). A REFERENCES on a column that ADD COLUMN adds checks no rows, so
// only its brief lock remains, which other rules cover.
func AddForeignKeyValidated() *Rule {
	return &Rule{
		Code: "PS009", Name: "add-foreign-key-validated", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ADD FOREIGN KEY without NOT VALID on an existing table blocks writes to both tables while it checks every row.",
			Why: "Adding a validated foreign key takes SHARE ROW EXCLUSIVE on the table and on the table it references, " +
				"then checks that every existing row has a match. Until that scan ends, no INSERT, UPDATE or DELETE runs " +
				"on either table. Adding it NOT VALID holds those locks only for a catalog update and enforces the key " +
				"for new rows at once; VALIDATE CONSTRAINT, in a later transaction, then checks the old rows under a " +
				"lock that lets reads and writes continue.",
			Bad: "ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);",
			Good: "ALTER TABLE orders ADD CONSTRAINT orders_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;\n" +
				"-- in a later transaction:\n" +
				"ALTER TABLE orders VALIDATE CONSTRAINT orders_account_id_fkey;",
			Help:  "add the foreign key with NOT VALID, then VALIDATE CONSTRAINT it in a later transaction",
			Locks: "SHARE ROW EXCLUSIVE on the table and on the table it references while every row is checked: writes to both wait.",
			FixSafety: "Safe for an ALTER TABLE with this one table constraint: adds it NOT VALID (named explicitly when it had no name) and puts " +
				"VALIDATE CONSTRAINT in a later transaction, the way the migration tool allows (in place, after COMMIT, or in a new migration file). " +
				"Display-only otherwise.",
			Versions: "All versions allow NOT VALID on a plain table. Before PostgreSQL 18 it is rejected when the " +
				"referencing table is partitioned: add and validate the foreign key on each partition, then on the " +
				"parent, which adopts the partitions' matching constraints. Tables created earlier in the same file are " +
				"exempt.",
			CatalogRows: []int{9},
		},
		Check: checkAddForeignKeyValidated,
	}
}

func checkAddForeignKeyValidated(p *Pass) {
	var ds []Diagnostic // one finding for the statement, naming every foreign key
	added, table := addedConstraints(p, pg.ConstrType_CONSTR_FOREIGN)
	for _, a := range added {
		con := a.Constraint
		if a.Column != nil || con.GetSkipValidation() {
			continue
		}
		parent := pgast.RelName(con.GetPktable())
		mode, parentMode := p.LockOn(table), p.LockOn(parent)
		locked := fmt.Sprintf("%s on %s and %s", mode, Display(table), Display(parent))
		if parentMode != mode {
			locked = fmt.Sprintf("%s on %s and %s on %s", mode, Display(table), parentMode, Display(parent))
		}
		whom := "both"
		if parent == table {
			locked, whom = fmt.Sprintf("%s on %s", mode, Display(table)), "it"
		}
		name := constraintName(p, table, con, a.Columns())
		help := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY ... NOT VALID; %s",
			pgast.QuoteName(table), pgast.QuoteIdent(name), validateLater(p, table, name))
		msg := fmt.Sprintf("ADD FOREIGN KEY takes %s, which %s to %s while every row of %s is checked",
			locked, mode.Describe(), whom, Display(table))
		if t := p.Catalog.Table(table); t != nil && t.Partitioned && p.Options.PGVersion < 18 {
			msg += "; NOT VALID, the usual way out, is rejected on partitioned tables before PostgreSQL 18"
			help = fmt.Sprintf("before PostgreSQL 18, NOT VALID is rejected on partitioned table %s: on each partition, "+
				"ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT in a later transaction; then add the foreign key on %s, "+
				"which adopts the partitions' validated constraints", Display(table), Display(table))
		}
		const title = "Add the foreign key NOT VALID, then validate it in a later transaction"
		fix := Recipe(title)
		if t := p.Catalog.Table(table); t == nil || !t.Partitioned || p.Options.PGVersion >= 18 {
			fix = notValidFix(p, a, table, name, title)
		}
		ds = append(ds, Diagnostic{
			Span:    p.At(con.GetLocation()),
			Message: msg,
			Help:    help,
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{fix},
		})
	}
	reportJoined(p, ds)
}
