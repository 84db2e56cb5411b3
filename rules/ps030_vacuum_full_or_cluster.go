package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// VacuumFullOrCluster reports VACUUM FULL and CLUSTER, which rewrite a
// table under ACCESS EXCLUSIVE (hazard catalog row 27).
func VacuumFullOrCluster() *Rule {
	return &Rule{
		Code: "PS030", Name: "vacuum-full-or-cluster", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "VACUUM FULL or CLUSTER on an existing table.",
			Why: "Both write a complete new copy of the table and of every index while holding ACCESS EXCLUSIVE, so " +
				"every read and write of the table waits for the whole rewrite, and the disk needs room for a second " +
				"copy. Without a table name they do this to every table in the database (CLUSTER: every table " +
				"clustered before).",
			Bad:  "VACUUM FULL events;",
			Good: "VACUUM (ANALYZE) events;\n-- to reclaim space online, run pg_repack or pg_squeeze outside the migration",
			Help: "use plain VACUUM, which takes SHARE UPDATE EXCLUSIVE and blocks no reads or writes; to shrink or " +
				"reorder the table online use pg_repack or pg_squeeze",
			Locks:       "ACCESS EXCLUSIVE on the table while it is rewritten: every query on the table waits, reads included.",
			FixSafety:   "Display-only: pg_repack runs outside the migration.",
			Versions:    "All versions.",
			CatalogRows: []int{27},
		},
		Check: checkVacuumFullOrCluster,
	}
}

func checkVacuumFullOrCluster(p *Pass) {
	fix := []Fix{Recipe("Use plain VACUUM, or pg_repack outside the migration")}
	if v := p.Stmt.Node.GetVacuumStmt(); v != nil {
		if !v.GetIsVacuumcmd() || !pgast.OptionOn(v.GetOptions(), "full") {
			return
		}
		if len(v.GetRels()) == 0 {
			mode := locks.VacuumMode(v)
			p.Report(Diagnostic{
				Message: "VACUUM FULL with no table rewrites every table of the database, each under " + mode.String() +
					", which " + mode.Describe() + " while the table is copied",
				Lock:  mode,
				Fixes: fix,
			})
			return
		}
		// One finding for the statement, naming every table it rewrites.
		var ds []Diagnostic
		var tables []string
		for _, r := range v.GetRels() {
			rv := r.GetVacuumRelation().GetRelation()
			table := pgast.RelName(rv)
			if table == "" || p.IsNew(table) {
				continue
			}
			tables = append(tables, table)
			ds = append(ds, Diagnostic{Span: p.At(rv.GetLocation()), Lock: p.LockOn(table), Table: Display(table)})
		}
		if len(ds) == 0 {
			return
		}
		d := merged(ds, "", "", fix)
		d.Message = "VACUUM FULL rewrites " + Display(tables[0]) + " to reclaim space; it " + rewriteImpact(p, d.Lock, tables[0])
		if len(tables) > 1 {
			d.Message = fmt.Sprintf("VACUUM FULL rewrites %s to reclaim space, one after the other, each under %s, which %s while it is copied and its indexes rebuilt",
				displayList(tables), d.Lock, d.Lock.Describe())
		}
		p.Report(d)
		return
	}
	c := p.Stmt.Node.GetClusterStmt()
	if c == nil {
		return
	}
	if c.GetRelation() == nil {
		mode := locks.ClusterMode
		p.Report(Diagnostic{
			Message: "CLUSTER with no table rewrites every table clustered before, each under " + mode.String() +
				", which " + mode.Describe() + " while the table is copied",
			Lock:  mode,
			Fixes: fix,
		})
		return
	}
	table := pgast.RelName(c.GetRelation())
	if p.IsNew(table) {
		return
	}
	mode := p.LockOn(table)
	p.Report(Diagnostic{
		Span:    p.At(c.GetRelation().GetLocation()),
		Message: "CLUSTER rewrites " + Display(table) + " in index order; it " + rewriteImpact(p, mode, table),
		Lock:    mode,
		Table:   Display(table),
		Fixes:   []Fix{Recipe("Reorder the table online with pg_repack --order-by, outside the migration")},
	})
}
