package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
)

// RequireStatementTimeout reports the first statement of each
// transaction (or, outside transactions, of the file) that takes a lock
// that blocks writes on an existing table while a lock_timeout but no
// statement_timeout is in force (hazard catalog row 40). It mirrors
// missing-lock-timeout, which reports the statements with neither.
func RequireStatementTimeout() *Rule {
	return &Rule{
		Code: "PS049", Name: "require-statement-timeout", Severity: Hint, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "A statement takes a lock that blocks writes (SHARE or stronger) on an existing table with a lock_timeout but no statement_timeout set.",
			Why: "lock_timeout bounds how long a statement waits for its lock; nothing bounds how long it then holds it. " +
				"A statement expected to be instant can still run long: a table bigger than on staging, a scan the " +
				"author did not foresee, a trigger, a slow disk. For all that time the table is blocked. With " +
				"statement_timeout set, the migration fails after a bound the team chose, and the lock goes with it. " +
				"The finding is a hint: it blocks nothing by itself, and the statements whose time grows with the table " +
				"are reported as errors by their own rules. A statement with no lock_timeout either is reported by " +
				"missing-lock-timeout instead, whose fix sets statement_timeout too when statement-timeout is configured.",
			Bad:  "SET lock_timeout = '2s';\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;",
			Good: "SET lock_timeout = '2s';\nSET statement_timeout = '15s';\nALTER TABLE accounts ADD COLUMN flags int NOT NULL DEFAULT 0;",
			Help: "set statement_timeout before the statement (SET LOCAL statement_timeout inside a transaction, SET " +
				"statement_timeout outside one), long enough for the statement and short enough to bound the outage",
			FixSafety: "Safe, when statement-timeout is configured: inserts `SET LOCAL statement_timeout = '<statement-timeout>'` " +
				"before the statement inside a transaction, or a session `SET statement_timeout` outside one. Without " +
				"statement-timeout in the configuration there is no fix, since only the team knows how long is too long; " +
				"for VACUUM sent by a runner as a single query the fix is advice only. missing-lock-timeout's fix also " +
				"sets statement_timeout when it is configured.",
			Versions:    "All versions. PostgreSQL 17 adds transaction_timeout, which bounds the whole transaction as well.",
			CatalogRows: []int{40},
		},
		Check: checkRequireStatementTimeout,
	}
}

func checkRequireStatementTimeout(p *Pass) {
	l, ok := lockWithoutStatementTimeout(p, p.Stmt)
	if !ok {
		return
	}
	reported := earlier(p, "require-statement-timeout", func(found *bool, st *migration.Statement) {
		if !*found {
			_, *found = lockWithoutStatementTimeout(p, st)
		}
	})
	if *reported {
		return // reported at the first such statement of the transaction, or of the file in autocommit
	}
	d := Diagnostic{
		Message: fmt.Sprintf("holds %s on %s with no statement_timeout: however long the statement runs, it %s on %s until it ends",
			l.Mode, l.target(), l.Mode.Describe(), l.table()),
		Lock:  l.Mode,
		Table: Display(l.Table),
	}
	if p.Options.StatementTimeout != "" {
		// Without a configured value there is nothing to write: the
		// finding's help says what to do, and `fix` lists no advice.
		d.Fixes = []Fix{statementTimeoutFix(p)}
	}
	p.Report(d)
}

// lockWithoutStatementTimeout returns the strongest lock that blocks
// writes that st takes on an existing relation while a lock_timeout but
// no statement_timeout is in force.
func lockWithoutStatementTimeout(p *Pass, st *migration.Statement) (tableLock, bool) {
	if st.StatementTimeout || !st.LockTimeout {
		// With no lock_timeout either, missing-lock-timeout reports the
		// statement, and its fix sets both: one finding for one problem.
		return tableLock{}, false
	}
	ls := existingLocks(p, st, locks.Mode.BlocksWrites)
	if len(ls) == 0 {
		return tableLock{}, false
	}
	return ls[0], true
}

// statementTimeoutFix inserts the configured statement_timeout before the
// statement, as lockTimeoutFix does for lock_timeout.
func statementTimeoutFix(p *Pass) Fix {
	set, title, vacuum := timeoutSet(p, "statement_timeout", p.Options.StatementTimeout)
	if vacuum != nil {
		return *vacuum
	}
	return Fix{Title: title, Safety: Safe, Edits: []Edit{insertBeforeStatement(p, set)}}
}
