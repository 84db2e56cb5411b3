package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Truncate reports TRUNCATE of tables that existed before this file
// (hazard catalog row 26).
func Truncate() *Rule {
	return &Rule{
		Code: "PS029", Name: "truncate", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "TRUNCATE of an existing table.",
			Why: "TRUNCATE takes ACCESS EXCLUSIVE on every table it empties and holds it until the transaction commits: " +
				"every read and write of those tables waits, and while TRUNCATE itself waits for a long-running query, " +
				"everything behind it queues too. With CASCADE it also empties, under the same lock, every table whose " +
				"foreign keys reference the truncated ones, transitively.",
			Bad: "TRUNCATE audit_log;",
			Good: "-- delete in batches, each in its own transaction:\n" +
				"DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log ORDER BY id LIMIT 10000);",
			Help: "delete in batches instead, or build an empty copy with CREATE TABLE ... (LIKE t INCLUDING ALL) and swap " +
				"the names in one short transaction with a lock_timeout",
			Locks:       "ACCESS EXCLUSIVE on the table, and with CASCADE on the tables that reference it: every query on them waits, reads included.",
			FixSafety:   "Display-only: the alternatives change how the data is removed.",
			Versions:    "All versions.",
			CatalogRows: []int{26},
		},
		Check: checkTruncate,
	}
}

func checkTruncate(p *Pass) {
	ts := p.Stmt.Node.GetTruncateStmt()
	if ts == nil {
		return
	}
	var tables []string
	named := map[string]bool{}
	loc := int32(-1)
	for _, r := range ts.GetRelations() {
		rv := r.GetRangeVar()
		t := pgast.RelName(rv)
		named[t] = true
		if t == "" || p.IsNew(t) {
			continue
		}
		if loc < 0 {
			loc = rv.GetLocation()
		}
		tables = append(tables, t)
	}
	if len(tables) == 0 {
		return
	}
	mode := p.LockOn(tables[0])
	severity := p.Rule.Severity
	them := plural(len(tables), "it", "them")
	msg := fmt.Sprintf("TRUNCATE takes %s on %s, which %s until the transaction commits", mode, displayList(tables), mode.Describe())
	if ts.GetBehavior() == pg.DropBehavior_DROP_CASCADE {
		var cascaded []string
		for _, l := range foreignKeyLocks(p) {
			cascaded = append(cascaded, l.Relation)
		}
		if len(cascaded) > 0 {
			msg += fmt.Sprintf("; CASCADE also empties %s, which reference %s, under the same lock", displayList(cascaded), them)
		} else {
			msg += fmt.Sprintf("; CASCADE also empties every table whose foreign keys reference %s, under the same lock", them)
		}
	} else {
		var blockers []string
		for _, t := range tables {
			for _, r := range p.Catalog.ReferencedBy(t) {
				if !named[r] {
					named[r] = true
					blockers = append(blockers, r)
				}
			}
		}
		if len(blockers) > 0 {
			severity = Error
			msg += fmt.Sprintf("; it fails, because %s %s %s by foreign key and %s not truncated with %s",
				displayList(blockers), plural(len(blockers), "references", "reference"), them,
				plural(len(blockers), "is", "are"), them)
		}
	}
	p.Report(Diagnostic{
		Span:     p.At(loc),
		Severity: severity,
		Message:  msg,
		Lock:     mode,
		Table:    Display(tables[0]),
		Fixes:    []Fix{Recipe("Delete in batches, or swap in an empty copy of the table")},
	})
}
