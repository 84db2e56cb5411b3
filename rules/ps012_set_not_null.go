package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// SetNotNull reports ALTER COLUMN ... SET NOT NULL on an existing table
// (hazard catalog row 13), unless the catalog shows that PostgreSQL can
// skip the scan.
func SetNotNull() *Rule {
	return &Rule{
		Code: "PS012", Name: "set-not-null", Severity: Error, Fixable: true,
		Doc: Doc{
			Summary: "SET NOT NULL on an existing table scans every row under ACCESS EXCLUSIVE.",
			Why: "ALTER COLUMN ... SET NOT NULL takes ACCESS EXCLUSIVE on the table and reads every row to prove the " +
				"column holds no NULL, so every query on the table, SELECT included, waits for the whole scan. From " +
				"PostgreSQL 12 the scan is skipped when a validated CHECK (column IS NOT NULL) already proves it, and " +
				"such a check can be added NOT VALID and validated under a lock that lets reads and writes continue. " +
				"PostgreSQL 18 can add the NOT NULL constraint itself NOT VALID.",
			Bad: "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;",
			Good: "ALTER TABLE accounts ADD CONSTRAINT accounts_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n" +
				"-- in a later transaction:\n" +
				"ALTER TABLE accounts VALIDATE CONSTRAINT accounts_email_not_null;\n" +
				"-- in a later transaction:\n" +
				"ALTER TABLE accounts ALTER COLUMN email SET NOT NULL, DROP CONSTRAINT accounts_email_not_null;",
			Help: "prove the column has no NULLs with a CHECK added NOT VALID and validated separately, then SET NOT NULL",
			FixSafety: "Safe on 12 and later for an ALTER TABLE with this one subcommand: the steps are placed in separate " +
				"transactions the way the migration tool allows (in place, after COMMIT, or in new migration files). " +
				"Display-only on 11 and for combined ALTERs.",
			Versions: "PostgreSQL 11 has no shortcut: keep a validated CHECK (c IS NOT NULL) instead of NOT NULL. From " +
				"12 to 17: add CHECK (c IS NOT NULL) NOT VALID, validate it, then SET NOT NULL (no scan) and drop the " +
				"check. From 18: ADD CONSTRAINT c_not_null NOT NULL c NOT VALID, then VALIDATE CONSTRAINT. The rule " +
				"stays silent on 12 and later when the catalog shows a validated CHECK (c IS NOT NULL), and when the " +
				"column is already NOT NULL. Tables created earlier in the same file are exempt.",
			CatalogRows: []int{13},
		},
		Check: checkSetNotNull,
	}
}

func checkSetNotNull(p *Pass) {
	st, table := alterExisting(p)
	if st == nil {
		return
	}
	t := p.Catalog.Table(table)
	mode := p.LockOn(table)
	for _, cmd := range pgast.AlterCmds(st, pg.AlterTableType_AT_SetNotNull) {
		col := cmd.GetName()
		if notNullScanSkipped(p, t, col) {
			continue
		}
		msg := fmt.Sprintf("SET NOT NULL on %s %s", col, LockImpact(mode, table, "while every row is checked for NULLs"))
		if ck := notNullCheck(t, col); ck != nil && p.Options.PGVersion >= 12 {
			msg += fmt.Sprintf("; CHECK %s could skip the scan, but it is not validated yet", ck.Name)
		}
		p.Report(Diagnostic{
			Message: msg,
			Help:    setNotNullRecipe(p, table, col),
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{setNotNullFix(p, table, col)},
		})
	}
}

// setNotNullFix replaces a lone SET NOT NULL with the steps of
// notNullSteps; other statements keep the recipe.
func setNotNullFix(p *Pass, table, col string) Fix {
	const title = "Prove the column has no NULLs with a constraint validated separately first"
	steps := notNullSteps(p, table, []string{col})
	if steps == nil || !singleSubcommand(p) {
		return Recipe(title)
	}
	return StepsFix(p, title, Safe, alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint), steps...)
}
