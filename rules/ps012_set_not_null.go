package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// SetNotNull reports ALTER COLUMN ... SET NOT NULL on an existing table
// (hazard catalog row 13), unless the catalog shows that PostgreSQL can
// skip the scan.
func SetNotNull() *Rule {
	return &Rule{
		Code: "PS012", Name: "set-not-null", Severity: Error, FixAvailability: FixSometimes,
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
				"ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n" +
				"-- a statement of its own: in the same ALTER TABLE, the CHECK would be dropped before SET NOT NULL uses it\n" +
				"ALTER TABLE accounts DROP CONSTRAINT accounts_email_not_null;",
			Help:  "prove the column has no NULLs with a CHECK added NOT VALID and validated separately, then SET NOT NULL",
			Locks: "ACCESS EXCLUSIVE on the table while every row is checked for NULLs: every query on the table waits, reads included.",
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
	dropped := map[string]bool{}
	for _, cmd := range pgast.AlterCmds(st, pg.AlterTableType_AT_DropConstraint) {
		dropped[cmd.GetName()] = true
	}
	// One finding for the statement: ds holds one per column, and scans
	// the columns that are checked for NULLs with no CHECK dropped first.
	var ds []Diagnostic
	var scans, unvalidated []string
	for _, cmd := range pgast.AlterCmds(st, pg.AlterTableType_AT_SetNotNull) {
		col := cmd.GetName()
		if ck := notNullCheck(t, col); ck != nil && ck.Validated && dropped[ck.Name] && p.Options.PGVersion >= 12 && !columnNotNull(t, col) {
			// The same ALTER TABLE drops the CHECK that would prove the
			// column: PostgreSQL drops it first, then scans.
			ds = append(ds, Diagnostic{
				Message: fmt.Sprintf("SET NOT NULL on %s %s: the same ALTER TABLE drops CHECK %s, which PostgreSQL does before SET NOT NULL could use it to skip the scan",
					col, LockImpact(mode, table, "while every row is checked for NULLs"), ck.Name),
				Help:  fmt.Sprintf("set NOT NULL first and drop %s in a statement of its own: the validated CHECK then proves the column without a scan", ck.Name),
				Lock:  mode,
				Table: Display(table),
				Fixes: []Fix{dropAfterSetNotNullFix(p, table, col, ck.Name)},
			})
			continue
		}
		if notNullScanSkipped(p, t, col) {
			continue
		}
		scans = append(scans, col)
		msg := fmt.Sprintf("SET NOT NULL on %s %s", col, LockImpact(mode, table, "while every row is checked for NULLs"))
		if ck := notNullCheck(t, col); ck != nil && p.Options.PGVersion >= 12 {
			msg += fmt.Sprintf("; CHECK %s could skip the scan, but it is not validated yet", ck.Name)
			unvalidated = append(unvalidated, ck.Name)
		}
		ds = append(ds, Diagnostic{
			Message: msg,
			Help:    setNotNullRecipe(p, table, col),
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{setNotNullFix(p, table, col)},
		})
	}
	switch {
	case len(ds) == 0:
		return
	case len(ds) == 1:
		p.Report(ds[0])
		return
	case len(scans) < len(ds):
		// Some columns lose their proof to a CHECK dropped in the same
		// statement: each column's reason, one after the other.
		msgs := make([]string, len(ds))
		for i, d := range ds {
			msgs[i] = d.Message
		}
		p.Report(merged(ds, strings.Join(msgs, "; "),
			"set NOT NULL in a statement of its own, before dropping any CHECK that proves a column, and prove the other columns with validated CHECKs first",
			[]Fix{Recipe("Prove the columns have no NULLs with constraints validated separately first, then drop the CHECKs")}))
		return
	default:
	}
	msg := fmt.Sprintf("SET NOT NULL on %s %s", nameList(scans), LockImpact(mode, table, "while every row is checked for NULLs"))
	switch len(unvalidated) {
	case 0:
	case 1:
		msg += fmt.Sprintf("; CHECK %s could skip the scan, but it is not validated yet", unvalidated[0])
	default:
		msg += fmt.Sprintf("; CHECKs %s could skip the scan, but they are not validated yet", nameList(unvalidated))
	}
	help := setNotNullRecipe(p, table, scans[0]) + fmt.Sprintf("; likewise for %s", nameList(scans[1:]))
	p.Report(merged(ds, msg, help, []Fix{setNotNullColumnsFix(p, table, scans)}))
}

// setNotNullColumnsFix replaces an ALTER TABLE made only of the SET NOT
// NULLs of cols with the steps of notNullSteps for all of them; other
// statements keep the recipe.
func setNotNullColumnsFix(p *Pass, table string, cols []string) Fix {
	const title = "Prove the columns have no NULLs with constraints validated separately first"
	steps := notNullSteps(p, table, cols)
	if steps == nil || len(p.Stmt.Node.GetAlterTableStmt().GetCmds()) != len(cols) {
		return Recipe(title)
	}
	return StepsFix(p, title, Safe, alterCmdMode(p, pg.AlterTableType_AT_ValidateConstraint), steps...)
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

// columnNotNull reports whether col of t is already NOT NULL.
func columnNotNull(t *schema.Table, col string) bool {
	c := t.Column(col)
	return c != nil && c.NotNull
}

// dropAfterSetNotNullFix splits `ALTER TABLE t ALTER COLUMN c SET NOT
// NULL, DROP CONSTRAINT ck` into the two statements, in place, so that the
// CHECK still exists when SET NOT NULL looks for a proof.
func dropAfterSetNotNullFix(p *Pass, table, col, ck string) Fix {
	const title = "Drop the CHECK in a statement of its own, after SET NOT NULL"
	if len(p.Stmt.Node.GetAlterTableStmt().GetCmds()) != 2 {
		return Recipe(title)
	}
	t := pgast.QuoteName(table)
	text := fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET NOT NULL;\nALTER TABLE %s DROP CONSTRAINT %s", t, pgast.QuoteIdent(col), t, pgast.QuoteIdent(ck))
	return Fix{Title: title, Safety: Safe, After: p.LockOn(table), Edits: []Edit{{Start: p.Stmt.Span.Start, End: p.Stmt.Span.End, NewText: text}}}
}
