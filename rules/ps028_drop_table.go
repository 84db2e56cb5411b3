package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// DropTable reports DROP TABLE of a table that existed before this file
// (hazard catalog row 25).
func DropTable() *Rule {
	return &Rule{
		Code: "PS028", Name: "drop-table", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "DROP TABLE of an existing table.",
			Why: "DROP TABLE takes ACCESS EXCLUSIVE on the table, and also on every table its foreign keys reference, " +
				"because it removes the triggers that enforce those keys there. While the drop waits for a long " +
				"transaction on any of those tables, every query on them queues behind it: dropping a small log table " +
				"that references accounts can stall all traffic to accounts. With CASCADE it also drops the foreign " +
				"keys of the tables that reference it, locking them too. Code still running on the old schema fails " +
				"on the missing table.",
			Bad: "DROP TABLE sessions;",
			Good: "SET lock_timeout = '2s';\n" +
				"ALTER TABLE sessions DROP CONSTRAINT sessions_account_id_fkey;\n" +
				"-- next transaction:\n" +
				"DROP TABLE sessions;",
			Help: "drop the table's foreign keys first, each in its own short transaction with a lock_timeout, then drop " +
				"the table once no running code uses it",
			Locks:       "ACCESS EXCLUSIVE on the table and on the tables its foreign keys reference: queries on all of them queue while it waits.",
			FixSafety:   "Display-only: the recipe splits the drop into several transactions.",
			Versions:    "All versions.",
			CatalogRows: []int{25},
		},
		Check: checkDropTable,
	}
}

func checkDropTable(p *Pass) {
	ds := p.Stmt.Node.GetDropStmt()
	if ds == nil || ds.GetRemoveType() != pg.ObjectType_OBJECT_TABLE {
		return
	}
	cascade := ds.GetBehavior() == pg.DropBehavior_DROP_CASCADE
	related := foreignKeyLocks(p)
	for _, o := range ds.GetObjects() {
		table := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
		if table == "" || p.IsNew(table) {
			continue
		}
		mode := p.LockOn(table)
		msg := "DROP TABLE " + LockImpact(mode, table, "")
		var refs []string
		if p.Catalog.Table(table) != nil {
			refs = lockedAmong(related, p.Catalog.References(table))
			if len(refs) > 0 {
				msg += fmt.Sprintf(", and %s on %s, which its foreign keys reference, to drop their triggers",
					locks.Strongest(related, refs[0]), displayList(refs))
			}
			if cascade {
				if by := lockedAmong(related, p.Catalog.ReferencedBy(table)); len(by) > 0 {
					msg += fmt.Sprintf("; CASCADE drops the foreign keys of %s under %s", displayList(by), locks.Strongest(related, by[0]))
					refs = append(refs, by...)
				}
			}
		} else {
			msg += fmt.Sprintf(", and %s on every table its foreign keys reference (pgsafe does not know its foreign keys)", locks.ForeignKeyDropMode)
		}
		if len(refs) > 0 {
			msg += ": queries on all of them queue behind the drop while it waits for its locks"
		}
		msg += "; code still running on the old schema fails on the missing table"
		p.Report(Diagnostic{
			Message: msg,
			Lock:    mode,
			Table:   Display(table),
			Fixes:   []Fix{Recipe("Drop the foreign keys first with a lock_timeout, then the table")},
		})
	}
}

// lockedAmong returns the tables of keys that ls locks, in the order of
// keys.
func lockedAmong(ls []locks.Lock, keys []string) []string {
	var out []string
	for _, k := range keys {
		if locks.Strongest(ls, k) != locks.None {
			out = append(out, k)
		}
	}
	return out
}
