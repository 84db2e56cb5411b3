package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// SetTablespace reports ALTER TABLE, ALTER MATERIALIZED VIEW and ALTER
// INDEX ... SET TABLESPACE, and ALTER ... ALL IN TABLESPACE (hazard catalog
// row 36).
func SetTablespace() *Rule {
	return &Rule{
		Code: "PS033", Name: "set-tablespace", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "SET TABLESPACE on an existing table, materialized view or index.",
			Why: "Moving a relation to another tablespace copies its files block by block while holding ACCESS " +
				"EXCLUSIVE. For a table every read and write waits for the whole copy. For an index the effect is the " +
				"same on its table: the planner locks every index of a table it plans a query for, so every query on " +
				"the table waits too.",
			Bad: "ALTER INDEX accounts_email_idx SET TABLESPACE fast_ssd;",
			Good: "-- PostgreSQL 14 and later, outside a transaction:\n" +
				"REINDEX (TABLESPACE fast_ssd) INDEX CONCURRENTLY accounts_email_idx;",
			Help: "move tables online with pg_repack --tablespace; move indexes with REINDEX (TABLESPACE ts) INDEX " +
				"CONCURRENTLY (PostgreSQL 14 and later), or before 14 by building a copy concurrently in the new " +
				"tablespace and dropping the old index concurrently",
			Locks:       "ACCESS EXCLUSIVE on the table while its files are copied: every query on the table waits, reads included.",
			FixSafety:   "Display-only: the alternatives run outside a transaction or outside the migration.",
			Versions:    "REINDEX ... TABLESPACE exists from PostgreSQL 14.",
			CatalogRows: []int{36},
		},
		Check: checkSetTablespace,
	}
}

func checkSetTablespace(p *Pass) {
	if m := p.Stmt.Node.GetAlterTableMoveAllStmt(); m != nil {
		// Each relation moves as by ALTER ... SET TABLESPACE.
		mode := cmdLock(p, &pg.AlterTableCmd{Subtype: pg.AlterTableType_AT_SetTableSpace})
		p.Report(Diagnostic{
			Message: fmt.Sprintf("ALTER ... ALL IN TABLESPACE %s moves every matching relation to %s, copying each under %s, which %s while its files are copied",
				m.GetOrigTablespacename(), m.GetNewTablespacename(), mode, mode.Describe()),
			Lock:  mode,
			Fixes: []Fix{Recipe("Move the tables one by one with pg_repack --tablespace")},
		})
		return
	}
	st := p.Stmt.Node.GetAlterTableStmt()
	if st == nil {
		return
	}
	rel := pgast.RelName(st.GetRelation())
	for _, c := range st.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() != pg.AlterTableType_AT_SetTableSpace {
			continue
		}
		mode := cmdLock(p, cmd)
		switch st.GetObjtype() {
		case pg.ObjectType_OBJECT_INDEX:
			table := ""
			if ix := p.Catalog.Index(rel); ix != nil {
				table = ix.Table
			}
			if table != "" && p.IsNew(table) {
				continue
			}
			on := "its table"
			if table != "" {
				on = Display(table)
			}
			d := Diagnostic{
				Message: fmt.Sprintf("ALTER INDEX SET TABLESPACE takes %s on index %s while its files are copied to %s, which blocks every query that plans against %s",
					mode, Display(rel), cmd.GetName(), on),
				Lock:  mode,
				Table: Display(table),
			}
			if p.Options.PGVersion >= 14 {
				d.Message += fmt.Sprintf("; REINDEX (TABLESPACE %s) INDEX CONCURRENTLY moves it without blocking", cmd.GetName())
				d.Help = fmt.Sprintf("run REINDEX (TABLESPACE %s) INDEX CONCURRENTLY %s outside a transaction instead", cmd.GetName(), Display(rel))
				d.Fixes = []Fix{Recipe("Move the index with REINDEX (TABLESPACE ...) INDEX CONCURRENTLY")}
			} else {
				d.Message += fmt.Sprintf("; before PostgreSQL 14, build a copy concurrently in %s instead", cmd.GetName())
				d.Help = "build a copy with CREATE INDEX CONCURRENTLY ... TABLESPACE, drop the old index concurrently and rename the copy"
				d.Fixes = []Fix{Recipe("Build a copy of the index concurrently in the new tablespace, then drop the old one")}
			}
			p.Report(d)
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_MATVIEW:
			if p.IsNew(rel) {
				continue
			}
			p.Report(Diagnostic{
				Message: fmt.Sprintf("SET TABLESPACE copies %s to %s; it %s", Display(rel), cmd.GetName(),
					LockImpact(mode, rel, "while its files are copied")),
				Lock:  mode,
				Table: Display(rel),
				Fixes: []Fix{Recipe("Move the table online with pg_repack --tablespace")},
			})
		default:
		}
	}
}
