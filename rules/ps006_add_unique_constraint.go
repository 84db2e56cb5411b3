package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddUniqueConstraint reports ALTER TABLE ... ADD UNIQUE, at table or
// column level, on an existing table without USING INDEX (hazard catalog
// row 6).
func AddUniqueConstraint() *Rule {
	return &Rule{
		Code: "PS006", Name: "add-unique-constraint", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ADD UNIQUE on an existing table builds its index under ACCESS EXCLUSIVE.",
			Why: "Adding a UNIQUE constraint builds a unique index while holding ACCESS EXCLUSIVE on the table, so every " +
				"query on it, SELECT included, waits for the whole build. A column-level UNIQUE on ADD COLUMN does the " +
				"same. Building the index first with CREATE UNIQUE INDEX CONCURRENTLY and then attaching it with " +
				"ADD CONSTRAINT ... UNIQUE USING INDEX holds the exclusive lock only for a catalog update.",
			Bad: "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);",
			Good: "CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email); -- outside a transaction\n" +
				"ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE USING INDEX accounts_email_key;",
			Help: "build the index with CREATE UNIQUE INDEX CONCURRENTLY, check that it is valid, then ADD CONSTRAINT ... " +
				"UNIQUE USING INDEX",
			Locks: "ACCESS EXCLUSIVE on the table while the unique index builds: every query on the table waits, reads included.",
			FixSafety: "Safe for an ALTER TABLE with this one plain table-level UNIQUE on named columns: builds the index " +
				"with CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS outside a transaction, then adds the constraint USING " +
				"INDEX, placed the way the file's migration tool allows (docs/frameworks.md). A failed build leaves an " +
				"invalid index, which the retry skips and USING INDEX then refuses (\"index is not valid\"), so the " +
				"migration stops until the index is dropped. Display-only for a column-level UNIQUE, combined ALTERs, " +
				"INCLUDE, NULLS NOT DISTINCT, deferrable constraints, and where the tool has no way out of its transaction.",
			Versions: "All versions. USING INDEX is not supported on partitioned tables. Tables created earlier in the " +
				"same file are exempt.",
			CatalogRows: []int{6},
		},
		Check: checkAddUniqueConstraint,
	}
}

func checkAddUniqueConstraint(p *Pass) {
	added, table := addedConstraints(p, pg.ConstrType_CONSTR_UNIQUE)
	for _, a := range added {
		if a.Constraint.GetIndexname() != "" {
			continue // USING INDEX: the index is already built
		}
		cols := a.Columns()
		name := constraintName(p, table, a.Constraint, cols)
		mode := p.LockOn(table)
		help := fmt.Sprintf("%s outside a transaction, check that it is valid, then ALTER TABLE %s ADD CONSTRAINT %s UNIQUE USING INDEX %s;",
			createIndexSQL(name, table, cols, true, true, false), pgast.QuoteName(table), pgast.QuoteIdent(name), pgast.QuoteIdent(name))
		if a.Column != nil {
			help = "add the column without UNIQUE, then " + help
		}
		p.Report(Diagnostic{
			Span:    p.At(a.Constraint.GetLocation()),
			Message: addedClause(a, "UNIQUE") + " " + LockImpact(mode, table, "while it builds the unique index"),
			Help:    help,
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{uniqueFix(p, a, table, name, cols)},
		})
	}
}

// uniqueFix builds the unique index concurrently and attaches it with
// USING INDEX, for a lone plain ADD UNIQUE; otherwise the recipe.
func uniqueFix(p *Pass, a pgast.AddedConstraint, table, name string, cols []string) Fix {
	const title = "Build the unique index concurrently, then add the constraint USING INDEX"
	if !singleSubcommand(p) || a.Column != nil || !simpleKey(a.Constraint, cols) {
		return Recipe(title)
	}
	return StepsFix(p, title, Safe, lockAfterUsingIndex(p), uniqueIndexSteps(table, name, "UNIQUE", cols)...)
}
