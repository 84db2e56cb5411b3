package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// SetLoggedOrUnlogged reports ALTER TABLE ... SET LOGGED or SET UNLOGGED on
// an existing table (hazard catalog row 35).
func SetLoggedOrUnlogged() *Rule {
	return &Rule{
		Code: "PS032", Name: "set-logged-or-unlogged", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER TABLE ... SET LOGGED or SET UNLOGGED on an existing table.",
			Why: "Both rewrite the whole table and its indexes under ACCESS EXCLUSIVE, so every read and write waits " +
				"until the copy finishes; SET LOGGED also writes the entire table to the WAL, which can flood " +
				"replication and backups. An unlogged table is emptied after a crash and is not replicated.",
			Bad: "ALTER TABLE events SET LOGGED;",
			Good: "CREATE TABLE events_logged (LIKE events INCLUDING ALL);\n" +
				"-- write to both tables, backfill events_logged in batches, then swap the names in one short transaction",
			Help: "create a new table with the wanted persistence, write to both and backfill it in batches, then swap " +
				"the names in one short transaction; or do it in a maintenance window",
			Locks:       "ACCESS EXCLUSIVE on the table while it is rewritten: every query on the table waits, reads included.",
			FixSafety:   "Display-only: the recipe builds a new table.",
			Versions:    "All versions.",
			CatalogRows: []int{35},
		},
		Check: checkSetLoggedOrUnlogged,
	}
}

func checkSetLoggedOrUnlogged(p *Pass) {
	table, cmds := existingTableAlter(p)
	for _, cmd := range cmds {
		var what string
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_SetLogged:
			what = "SET LOGGED rewrites the table and writes all of it to the WAL"
		case pg.AlterTableType_AT_SetUnLogged:
			what = "SET UNLOGGED rewrites the table"
		default:
			continue
		}
		mode := cmdLock(p, cmd)
		p.Report(Diagnostic{
			Message: what + "; it " + rewriteImpact(p, mode, table),
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{Recipe("Copy into a new table with the wanted persistence and swap the names")},
		})
	}
}
