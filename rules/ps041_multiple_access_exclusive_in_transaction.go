package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// MultipleAccessExclusiveInTransaction reports statements that run in a
// transaction after an earlier statement of it took ACCESS EXCLUSIVE on an
// existing table (hazard catalog row 39).
func MultipleAccessExclusiveInTransaction() *Rule {
	return &Rule{
		Code: "PS041", Name: "multiple-access-exclusive-in-transaction", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "A statement runs in a transaction that already holds ACCESS EXCLUSIVE on an existing table.",
			Why: "A lock is held until the transaction ends, not until the statement that took it ends. Once a statement " +
				"has taken ACCESS EXCLUSIVE on a table, every read and write of that table waits until COMMIT, so the " +
				"time of every later statement in the transaction is added to the outage: a second ALTER TABLE, a " +
				"VALIDATE CONSTRAINT that scans, or a backfill UPDATE can turn a lock held for milliseconds into one " +
				"held for minutes. The rule reports each transaction once, at the first statement that runs under the held " +
				"lock, and counts the ones after it.",
			Bad: "BEGIN;\nALTER TABLE accounts ADD COLUMN flags int;\nUPDATE accounts SET flags = 0;\n" +
				"ALTER TABLE accounts ADD CONSTRAINT accounts_flags_check CHECK (flags >= 0) NOT VALID;\nCOMMIT;",
			Good: "BEGIN;\nALTER TABLE accounts ADD COLUMN flags int,\n  ADD CONSTRAINT accounts_flags_check CHECK (flags >= 0) NOT VALID;\nCOMMIT;\n" +
				"-- then backfill in batches, each in its own short transaction\n" +
				"UPDATE accounts SET flags = 0 WHERE id >= 1 AND id < 10001 AND flags IS NULL;",
			Help: "keep one ACCESS EXCLUSIVE statement per transaction and commit right after it: merge ALTERs on one " +
				"table into a single ALTER TABLE, and move scans, VALIDATE and backfills to transactions of their own",
			Locks:       "ACCESS EXCLUSIVE held until the transaction commits: every query on the table waits for all the statements that run after it.",
			FixSafety:   "Display-only: splitting a transaction changes what is atomic, so the split is left to a human.",
			Versions:    "All versions. The locks each statement takes follow the lock model for the target version.",
			CatalogRows: []int{39},
		},
		Check: checkMultipleAccessExclusive,
	}
}

func checkMultipleAccessExclusive(p *Pass) {
	if p.Stmt.Tx == nil {
		return
	}
	tx := earlier(p, "multiple-access-exclusive", func(acc *heldInTx, st *migration.Statement) {
		switch {
		case acc.by == nil:
			if ls := existingLocks(p, st, func(m locks.Mode) bool { return m == locks.AccessExclusive }); len(ls) > 0 {
				acc.lock, acc.by = ls[0], st
			}
		case !acc.under:
			acc.under = underHeldLock(p, st)
		default:
		}
	})
	held, heldBy := tx.lock, tx.by
	// One finding per transaction: at the first statement that runs under
	// the held lock, counting the others.
	if heldBy == nil || tx.under || !underHeldLock(p, p.Stmt) {
		return
	}
	more := 0
	for _, st := range txAfter(p) {
		if underHeldLock(p, st) {
			more++
		}
	}
	var what string
	if ls := existingLocks(p, p.Stmt, func(m locks.Mode) bool { return m > locks.RowExclusive }); len(ls) > 0 {
		what = fmt.Sprintf("takes %s on %s", ls[0].Mode, ls[0].target())
		if ls[0].Table == held.Table {
			what = "runs"
		}
	} else {
		what = "writes rows of " + Display(scannedTarget(p, p.Stmt))
	}
	line := p.Line(heldBy)
	title := fmt.Sprintf("Commit right after the statement at line %d and run this one in a transaction of its own", line)
	if sameAlterTarget(heldBy.Node, p.Stmt.Node) {
		title = fmt.Sprintf("Merge this ALTER TABLE into the one at line %d, or commit in between", line)
	}
	after := ""
	if more > 0 {
		after = fmt.Sprintf(", and for the %s after it", plural(more, "statement", fmt.Sprintf("%d statements", more)))
	}
	p.Report(Diagnostic{
		Message: fmt.Sprintf("%s while the transaction holds ACCESS EXCLUSIVE on %s (taken at line %d) until commit: "+
			"reads and writes on %s stay blocked for this statement's time too%s", what, held.target(), line, held.table(), after),
		Lock:  locks.AccessExclusive,
		Table: Display(held.Table),
		Fixes: []Fix{Recipe(title)},
	})
}

// heldInTx is what checkMultipleAccessExclusive gathers from the earlier
// statements of a transaction.
type heldInTx struct {
	by    *migration.Statement // the first to take ACCESS EXCLUSIVE on an existing table
	lock  tableLock            // that lock
	under bool                 // a statement after by runs under the held lock
}

// scannedTarget returns the existing table that an UPDATE, DELETE, MERGE
// or INSERT ... SELECT writes rows of, "" for other statements and for
// tables created earlier in the file.
func scannedTarget(p *Pass, st *migration.Statement) string {
	switch n := st.Node.GetNode().(type) {
	case *pg.Node_UpdateStmt, *pg.Node_DeleteStmt, *pg.Node_MergeStmt:
	case *pg.Node_InsertStmt:
		if len(n.InsertStmt.GetSelectStmt().GetSelectStmt().GetFromClause()) == 0 {
			return "" // INSERT ... VALUES writes the rows it lists
		}
	default:
		return ""
	}
	for _, l := range locksOf(p, st) {
		if l.Role == locks.RoleTarget && !p.File.IsNew(l.Relation, st.Index) {
			return l.Relation
		}
	}
	return ""
}

// sameAlterTarget reports whether a and b are both ALTER TABLE statements
// on the same table.
func sameAlterTarget(a, b *pg.Node) bool {
	x, y := a.GetAlterTableStmt(), b.GetAlterTableStmt()
	if x == nil || y == nil || x.GetObjtype() != pg.ObjectType_OBJECT_TABLE || y.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
		return false
	}
	return pgast.RelName(x.GetRelation()) == pgast.RelName(y.GetRelation())
}

// underHeldLock reports whether st does work that a held ACCESS EXCLUSIVE
// lengthens: it takes a lock stronger than ROW EXCLUSIVE on an existing
// table, or writes rows it has to find.
func underHeldLock(p *Pass, st *migration.Statement) bool {
	if len(existingLocks(p, st, func(m locks.Mode) bool { return m > locks.RowExclusive })) > 0 {
		return true
	}
	return scannedTarget(p, st) != ""
}
