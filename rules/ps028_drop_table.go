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
	// One finding for the statement, naming every table it drops.
	var tables, refs, by, unknown []string
	var found []Diagnostic
	seen := map[string]bool{}
	add := func(list *[]string, keys []string) {
		for _, k := range keys {
			if !seen[k] {
				seen[k] = true
				*list = append(*list, k)
			}
		}
	}
	for _, o := range ds.GetObjects() {
		table := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
		if table == "" || p.IsNew(table) {
			continue
		}
		tables = append(tables, table)
		seen[table] = true
		found = append(found, Diagnostic{Lock: p.LockOn(table), Table: Display(table)})
	}
	if len(found) == 0 {
		return
	}
	for _, table := range tables {
		if p.Catalog.Table(table) == nil {
			unknown = append(unknown, table)
			continue
		}
		add(&refs, lockedAmong(related, p.Catalog.References(table)))
		if cascade {
			add(&by, lockedAmong(related, p.Catalog.ReferencedBy(table)))
		}
	}
	d := merged(found, "", "", nil)
	its, table := "its", "table"
	if len(tables) > 1 {
		its, table = "their", "tables"
	}
	msg := "DROP TABLE " + LockImpact(d.Lock, displayList(tables), "")
	if len(refs) > 0 {
		msg += fmt.Sprintf(", and %s on %s, which %s foreign keys reference, to drop their triggers",
			strongestOf(related, refs), displayList(refs), its)
	}
	if len(by) > 0 {
		msg += fmt.Sprintf("; CASCADE drops the foreign keys of %s under %s", displayList(by), strongestOf(related, by))
	}
	switch {
	case len(unknown) == 0:
	case len(tables) == 1:
		msg += fmt.Sprintf(", and %s on every table its foreign keys reference (pgsafe does not know its foreign keys)", locks.ForeignKeyDropMode)
	default:
		msg += fmt.Sprintf(", and %s on every table the foreign keys of %s reference (pgsafe does not know them)", locks.ForeignKeyDropMode, displayList(unknown))
	}
	if len(refs)+len(by) > 0 {
		msg += ": queries on all of them queue behind the drop while it waits for its locks"
	}
	d.Message = msg + "; code still running on the old schema fails on the missing " + table
	d.Fixes = []Fix{Recipe("Drop the foreign keys first with a lock_timeout, then the " + table)}
	p.Report(d)
}

// strongestOf returns the strongest lock that ls takes on any of tables.
func strongestOf(ls []locks.Lock, tables []string) locks.Mode {
	m := locks.None
	for _, t := range tables {
		m = max(m, locks.Strongest(ls, t))
	}
	return m
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
