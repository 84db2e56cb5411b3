package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AddPrimaryKey reports ALTER TABLE ... ADD PRIMARY KEY on an existing
// table (hazard catalog row 7): without USING INDEX it builds the index
// under ACCESS EXCLUSIVE; with it, it still scans for NULLs when a key
// column is nullable.
func AddPrimaryKey() *Rule {
	return &Rule{
		Code: "PS007", Name: "add-primary-key", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "ADD PRIMARY KEY on an existing table builds its index, and checks for NULLs, under ACCESS EXCLUSIVE.",
			Why: "Adding a primary key builds a unique index while holding ACCESS EXCLUSIVE on the table, so every " +
				"query on it waits for the whole build. It also marks the key columns NOT NULL, which scans every row " +
				"of a column that was nullable. Building the index with CREATE UNIQUE INDEX CONCURRENTLY and attaching " +
				"it with ADD CONSTRAINT ... PRIMARY KEY USING INDEX avoids the build under the lock; making the columns " +
				"NOT NULL first, the online way, avoids the scan. With USING INDEX the rule still reports, at warning " +
				"level, a key column that the catalog shows as nullable.",
			Bad: "ALTER TABLE accounts ADD PRIMARY KEY (id);",
			Good: "-- make id NOT NULL first without a long lock (see set-not-null), then:\n" +
				"CREATE UNIQUE INDEX CONCURRENTLY accounts_pkey ON accounts (id); -- outside a transaction\n" +
				"ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY USING INDEX accounts_pkey;",
			Help: "make the key columns NOT NULL the online way, build the index with CREATE UNIQUE INDEX CONCURRENTLY, " +
				"then ADD CONSTRAINT ... PRIMARY KEY USING INDEX",
			Locks: "ACCESS EXCLUSIVE on the table while the index builds and nullable key columns are checked: every query on the table waits, reads included.",
			FixSafety: "Safe for an ALTER TABLE with this one plain table-level PRIMARY KEY: makes nullable key columns " +
				"NOT NULL the online way (see set-not-null), builds the index with CREATE UNIQUE INDEX CONCURRENTLY outside " +
				"a transaction, then adds the key USING INDEX, each step placed the way the file's migration tool allows " +
				"(docs/frameworks.md). Display-only for a column-level PRIMARY KEY, combined ALTERs, keys USING INDEX cannot " +
				"express, before PostgreSQL 12 when a column must first become NOT NULL, and where the tool has no way " +
				"out of its transaction.",
			Versions: "All versions. From PostgreSQL 12 a validated CHECK (c IS NOT NULL) lets the NOT NULL step skip " +
				"its scan. USING INDEX is not supported on partitioned tables. Tables created earlier in the same file " +
				"are exempt.",
			CatalogRows: []int{7},
		},
		Check: checkAddPrimaryKey,
	}
}

func checkAddPrimaryKey(p *Pass) {
	added, table := addedConstraints(p, pg.ConstrType_CONSTR_PRIMARY)
	mode := p.LockOn(table)
	for _, a := range added {
		con := a.Constraint
		name := constraintName(p, table, con, nil)
		if con.GetIndexname() != "" {
			var keys []string
			if ix := p.Catalog.Index(indexKeyIn(table, con.GetIndexname())); ix != nil {
				keys = ix.Columns
			}
			nullable := scannedKeyColumns(p, table, keys)
			if len(nullable) == 0 {
				continue
			}
			p.Report(Diagnostic{
				Span:     p.At(con.GetLocation()),
				Severity: Warning,
				Message: fmt.Sprintf("ADD PRIMARY KEY USING INDEX marks %s NOT NULL, which means checking every row of %s "+
					"for NULLs: it %s until the check ends", strings.Join(nullable, ", "), Display(table), LockImpact(mode, table, "")),
				Help:  notNullFirst(p, table, nullable) + "; then add the primary key USING INDEX",
				Lock:  mode,
				Table: Display(table),
				Fixes: []Fix{primaryKeyFix(p, a, table, nullable, "Make the key columns NOT NULL the online way first",
					Step{SQL: p.StmtText() + ";"})},
			})
			continue
		}
		cols := a.Columns()
		msg := addedClause(a, "PRIMARY KEY") + " " + LockImpact(mode, table, "while it builds the index")
		help := fmt.Sprintf("%s outside a transaction, then ALTER TABLE %s ADD CONSTRAINT %s PRIMARY KEY USING INDEX %s;",
			createIndexSQL(name, table, cols, true, true, false), pgast.QuoteName(table), pgast.QuoteIdent(name), pgast.QuoteIdent(name))
		nullable := scannedKeyColumns(p, table, cols)
		switch {
		case a.Column != nil:
			help = "add the column without PRIMARY KEY, make it NOT NULL, then " + help
		case len(nullable) > 0:
			msg += fmt.Sprintf(", and checks every row for NULLs in %s", strings.Join(nullable, ", "))
			help = "make the key columns NOT NULL the online way first (see set-not-null), then " + help
		default:
		}
		p.Report(Diagnostic{
			Span:    p.At(con.GetLocation()),
			Message: msg,
			Help:    help,
			Lock:    mode,
			Table:   Display(table),
			Fixes: []Fix{primaryKeyFix(p, a, table, keysToProve(p, table, cols, nullable),
				"Build the unique index concurrently, then add the primary key USING INDEX",
				uniqueIndexSteps(table, name, "PRIMARY KEY", cols)...)},
		})
	}
}

// scannedKeyColumns returns the columns of cols that the catalog shows as
// nullable and without a CHECK that lets PostgreSQL skip the NOT NULL
// scan. Columns the catalog does not know are left out.
func scannedKeyColumns(p *Pass, table string, cols []string) []string {
	t := p.Catalog.Table(table)
	if t == nil || t.Unknown {
		return nil
	}
	var out []string
	for _, c := range cols {
		if t.Column(c) != nil && !notNullScanSkipped(p, t, c) {
			out = append(out, c)
		}
	}
	return out
}

// notNullFirst says how to make the nullable key columns NOT NULL without
// a long lock, spelling out the recipe for the first of them.
func notNullFirst(p *Pass, table string, nullable []string) string {
	recipe := setNotNullRecipe(p, table, nullable[0])
	if len(nullable) == 1 {
		return recipe
	}
	return fmt.Sprintf("for each of %s, as for %s: %s", strings.Join(nullable, ", "), nullable[0], recipe)
}

// keysToProve returns the key columns to make NOT NULL before the primary
// key: the nullable ones of a table the catalog knows, every key column
// of one it does not.
func keysToProve(p *Pass, table string, cols, nullable []string) []string {
	if knownTable(p, table) {
		return nullable
	}
	return cols
}

// primaryKeyFix makes the columns NOT NULL the online way and then runs
// the steps that add the key, for a lone plain ADD PRIMARY KEY; otherwise
// the recipe.
func primaryKeyFix(p *Pass, a pgast.AddedConstraint, table string, notNull []string, title string, steps ...Step) Fix {
	if !singleSubcommand(p) || a.Column != nil || (a.Constraint.GetIndexname() == "" && !simpleKey(a.Constraint, a.Columns())) {
		return Recipe(title)
	}
	if len(notNull) > 0 {
		proof := notNullSteps(p, table, notNull)
		if proof == nil {
			return Recipe(title)
		}
		steps = append(proof, steps...)
	}
	return StepsFix(p, title, Safe, lockAfterUsingIndex(p), steps...)
}
