package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// AddStoredGeneratedColumn reports ADD COLUMN ... GENERATED ALWAYS AS (...)
// STORED on an existing table (hazard catalog row 18).
func AddStoredGeneratedColumn() *Rule {
	return &Rule{
		Code: "PS022", Name: "add-stored-generated-column", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED on an existing table.",
			Why: "A stored generated column is computed and written for every existing row, so PostgreSQL rewrites the " +
				"whole table and all its indexes under ACCESS EXCLUSIVE: every read and write of the table waits until " +
				"the rewrite finishes.",
			Bad: "ALTER TABLE orders ADD COLUMN total numeric GENERATED ALWAYS AS (price * quantity) STORED;",
			Good: "ALTER TABLE orders ADD COLUMN total numeric;\n" +
				"-- a BEFORE INSERT OR UPDATE trigger sets total = price * quantity for new rows;\n" +
				"-- then backfill in batches, outside the DDL transaction:\n" +
				"UPDATE orders SET total = price * quantity WHERE id >= 1 AND id < 10001 AND total IS NULL;",
			Help: "add a plain column kept up to date by a BEFORE INSERT OR UPDATE trigger and backfill it in batches; " +
				"on PostgreSQL 18 a VIRTUAL generated column is catalog-only",
			Locks:     "ACCESS EXCLUSIVE on the table while it is rewritten to compute the column for every row: every query on the table waits, reads included.",
			FixSafety: "Display-only: the recipe needs a trigger and a batched backfill.",
			Versions: "All versions. PostgreSQL 18 adds VIRTUAL generated columns (its default kind), which are computed " +
				"on read and added without a rewrite. pgsafe parses with the PostgreSQL 17 grammar, which does not " +
				"accept VIRTUAL yet.",
			CatalogRows: []int{18},
		},
		Check: checkAddStoredGeneratedColumn,
	}
}

func checkAddStoredGeneratedColumn(p *Pass) {
	table, cmds := existingTableAlter(p)
	// One finding for the statement: the table is rewritten once, however
	// many columns it adds.
	var ds []Diagnostic
	var cols []string
	for _, cmd := range cmds {
		cd := addedColumn(cmd)
		if columnConstraint(cd, pg.ConstrType_CONSTR_GENERATED) == nil {
			continue
		}
		cols = append(cols, cd.GetColname())
		ds = append(ds, Diagnostic{Span: p.At(cd.GetLocation()), Lock: cmdLock(p, cmd), Table: Display(table)})
	}
	if len(ds) == 0 {
		return
	}
	d := merged(ds, "", "", nil)
	d.Message = fmt.Sprintf("ADD COLUMN %s GENERATED ... STORED rewrites the table to compute the %s for every existing row; it %s",
		nameList(cols), plural(len(cols), "column", "columns"), rewriteImpact(p, d.Lock, table))
	d.Fixes = []Fix{Recipe(plural(len(cols), "Add a plain column kept by a trigger, then backfill in batches",
		"Add plain columns kept by a trigger, then backfill in batches"))}
	if p.Options.PGVersion >= 18 {
		d.Message += plural(len(cols), "; on PostgreSQL 18 a VIRTUAL generated column is added without a rewrite",
			"; on PostgreSQL 18 VIRTUAL generated columns are added without a rewrite")
		d.Help = "make it VIRTUAL (computed on read, catalog-only to add) if reads can afford the computation; " +
			"otherwise add a plain column kept by a trigger and backfill it in batches"
		d.Fixes = append([]Fix{Recipe(plural(len(cols), "Make the generated column VIRTUAL", "Make the generated columns VIRTUAL"))}, d.Fixes...)
	}
	p.Report(d)
}
