package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// AddExclusionConstraint reports ALTER TABLE ... ADD EXCLUDE on an
// existing table (hazard catalog row 8), which has no online form.
func AddExclusionConstraint() *Rule {
	return &Rule{
		Code: "PS008", Name: "add-exclusion-constraint", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ADD EXCLUDE on an existing table builds and checks its index under ACCESS EXCLUSIVE.",
			Why: "Adding an exclusion constraint builds its index and checks every pair of conflicting rows while " +
				"holding ACCESS EXCLUSIVE on the table, so every query on it waits until the end. Unlike UNIQUE and " +
				"CHECK there is no online form: exclusion constraints accept neither NOT VALID nor USING INDEX.",
			Bad: "ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);",
			Good: "-- Create the table with the constraint from the start, or move to a new table:\n" +
				"CREATE TABLE bookings_new (LIKE bookings INCLUDING ALL,\n" +
				"  CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));\n" +
				"-- then write to both, backfill, and swap the tables in one short transaction.",
			Help: "there is no online way: create a new table with the constraint, write to both and backfill it, then " +
				"swap the tables in one short transaction; or schedule downtime",
			Locks:       "ACCESS EXCLUSIVE on the table while the index builds and every row is checked: every query on the table waits, reads included.",
			FixSafety:   "Display-only: the recipe is an application-level migration.",
			Versions:    "All versions. Tables created earlier in the same file are exempt.",
			CatalogRows: []int{8},
		},
		Check: checkAddExclusionConstraint,
	}
}

func checkAddExclusionConstraint(p *Pass) {
	added, table := addedConstraints(p, pg.ConstrType_CONSTR_EXCLUSION)
	for _, a := range added {
		mode := p.LockOn(table)
		p.Report(Diagnostic{
			Span:    p.At(a.Constraint.GetLocation()),
			Message: addedClause(a, "EXCLUDE") + " " + LockImpact(mode, table, "while it builds the index and checks every row"),
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{Recipe("Add the constraint on a new table and swap, or take downtime")},
		})
	}
}
