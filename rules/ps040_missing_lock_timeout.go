package rules

import (
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// MissingLockTimeout reports the first statement of each transaction (or,
// outside transactions, of the file) that takes a lock stronger than ROW
// EXCLUSIVE that blocks writes (SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE or
// ACCESS EXCLUSIVE) on an existing table while no lock_timeout is in force
// (hazard catalog rows 10, 15, 21 and 40).
func MissingLockTimeout() *Rule {
	return &Rule{
		Code: "PS040", Name: "missing-lock-timeout", Severity: Warning, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "A statement takes a lock that blocks writes (SHARE or stronger) on an existing table with no lock_timeout set.",
			Why: "Even a statement that holds its lock for a millisecond, such as ADD COLUMN with a constant default, " +
				"a binary-compatible type change, CREATE TRIGGER, DROP INDEX or CREATE TABLE ... REFERENCES an existing " +
				"table, must first wait for every transaction already using the table. While it waits in the lock queue, " +
				"every later query that conflicts with it queues behind it: one long-running report or idle-in-transaction " +
				"session turns a harmless migration into an outage of the table. With lock_timeout set, the statement gives " +
				"up after a short wait instead, and the migration can be retried.",
			Bad:  "ALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;",
			Good: "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;",
			Help: "set lock_timeout before the statement (SET LOCAL lock_timeout inside a transaction, SET lock_timeout " +
				"outside one) and retry the migration when it times out",
			Locks: "SHARE or stronger: while it waits behind running transactions, every later query that conflicts with it queues behind it.",
			FixSafety: "Safe: inserts `SET LOCAL lock_timeout = '<lock-timeout>'` (and statement_timeout, when statement-timeout " +
				"is configured and none is in force) before the statement inside a transaction, " +
				"or a session `SET lock_timeout` outside one, using the configured lock-timeout. The session setting stays " +
				"on the runner's connection after the migration. A statement that cannot run in a transaction block and " +
				"is sent by a runner as one query (VACUUM FULL under golang-migrate or dbmate transaction:false) gets " +
				"the advice only, because a second statement would put it in an implicit transaction.",
			Versions:    "All versions. PostgreSQL 17 adds transaction_timeout, which bounds the whole transaction as well.",
			CatalogRows: []int{10, 15, 21, 40},
		},
		Check: checkMissingLockTimeout,
	}
}

func checkMissingLockTimeout(p *Pass) {
	l, ok := lockWithoutTimeout(p, p.Stmt)
	if !ok {
		return
	}
	reported := earlier(p, "missing-lock-timeout", func(found *bool, st *migration.Statement) {
		if !*found {
			_, *found = lockWithoutTimeout(p, st)
		}
	})
	if *reported {
		return // reported at the first such statement of the transaction, or of the file in autocommit
	}
	table := Display(l.Table)
	p.Report(Diagnostic{
		Message: fmt.Sprintf("waits for %s on %s with no lock_timeout: queued behind any transaction already using the "+
			"table, it %s on %s until it gets the lock", l.Mode, l.target(), l.Mode.Describe(), l.table()),
		Lock:  l.Mode,
		Table: table,
		Fixes: []Fix{lockTimeoutFix(p)},
	})
}

// lockWithoutTimeout returns the strongest lock that st takes on an
// existing relation, among those that block writes (SHARE and stronger),
// while no lock_timeout is in force. SHARE UPDATE EXCLUSIVE also ranks
// above ROW EXCLUSIVE, but queued it holds back only schema changes.
func lockWithoutTimeout(p *Pass, st *migration.Statement) (tableLock, bool) {
	if st.LockTimeout {
		return tableLock{}, false
	}
	ls := existingLocks(p, st, locks.Mode.BlocksWrites)
	if len(ls) == 0 {
		return tableLock{}, false
	}
	return ls[0], true
}

// lockTimeoutFix inserts a lock_timeout setting before the statement, on
// a line of its own when the statement starts its line. With no
// configured lock-timeout value it only gives the advice.
func lockTimeoutFix(p *Pass) Fix {
	set, title, vacuum := timeoutSet(p, "lock_timeout", p.Options.LockTimeout)
	if p.Options.LockTimeout == "" {
		return Recipe(title)
	}
	if vacuum != nil {
		return *vacuum
	}
	if st := p.Options.StatementTimeout; st != "" && !p.Stmt.StatementTimeout {
		// The configured statement_timeout bounds how long the lock is held.
		stSet, _, _ := timeoutSet(p, "statement_timeout", st)
		set += " " + stSet
	}
	return Fix{Title: title, Safety: Safe, Edits: []Edit{insertBeforeStatement(p, set)}}
}

// timeoutSet returns the statement that sets the setting name (a
// timeout) to value for the current statement, SET LOCAL inside a
// transaction, and the title of a fix that inserts it. vacuum is the
// advice to give instead where the runner sends the section as one query
// and the statement is a VACUUM, which cannot share it with a SET; nil
// elsewhere.
func timeoutSet(p *Pass, name, value string) (set, title string, vacuum *Fix) {
	quoted := "'" + strings.ReplaceAll(value, "'", "''") + "'"
	set = "SET " + name + " = " + quoted + ";"
	title = "Set " + name + " for the session before the statement"
	if p.Stmt.Tx != nil {
		set = "SET LOCAL " + name + " = " + quoted + ";"
		title = "Set " + name + " for the transaction before the statement"
	}
	if p.Stmt.Tx == nil && p.File.Sections[p.Stmt.Section].Run == tool.Query && p.Stmt.Node.GetVacuumStmt() != nil {
		r := Recipe("Set " + name + " for the runner's role or connection (ALTER ROLE ... SET " + name + "): " +
			"VACUUM cannot share the runner's single query with a SET")
		vacuum = &r
	}
	return set, title, vacuum
}

// insertBeforeStatement returns the edit that inserts set before the
// current statement, on a line of its own when the statement starts its
// line.
func insertBeforeStatement(p *Pass, set string) Edit {
	start := p.Stmt.Span.Start
	indent := p.File.Text[p.File.Lines.LineStart(start):start]
	text := set + " "
	if strings.TrimSpace(indent) == "" {
		text = set + "\n" + indent
	}
	return Insert(start, text)
}
