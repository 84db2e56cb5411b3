package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// AlterSequenceInTransaction reports ALTER SEQUENCE on an existing sequence
// when more statements follow it in the same transaction (hazard catalog
// row 34).
func AlterSequenceInTransaction() *Rule {
	return &Rule{
		Code: "PS048", Name: "alter-sequence-in-transaction", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "ALTER SEQUENCE is followed by more statements in its transaction, blocking nextval until they finish.",
			Why: "Since PostgreSQL 10, ALTER SEQUENCE is transactional: it locks the sequence in SHARE ROW EXCLUSIVE mode " +
				"until the transaction commits, and nextval waits for that lock. Every INSERT that draws an id from the " +
				"sequence, usually every INSERT into its table, stalls for as long as the statements after the ALTER " +
				"SEQUENCE take. Statements before it do not hold the sequence lock.",
			Bad:   "BEGIN;\nALTER SEQUENCE orders_id_seq AS bigint MAXVALUE 9223372036854775807;\nALTER TABLE orders ALTER COLUMN note TYPE text;\nCOMMIT;",
			Good:  "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER SEQUENCE orders_id_seq AS bigint MAXVALUE 9223372036854775807;\nCOMMIT;",
			Help:  "run ALTER SEQUENCE alone, in a short transaction of its own, with a lock_timeout",
			Locks: "ALTER SEQUENCE blocks nextval and setval on the sequence until the transaction commits: INSERTs that use it wait.",
			FixSafety: "Display-only: moving the statement to a transaction of its own changes what the migration commits " +
				"together.",
			Versions:    "All supported versions: ALTER SEQUENCE has been transactional and locking since PostgreSQL 10.",
			CatalogRows: []int{34},
		},
		Check: checkAlterSequenceInTransaction,
	}
}

func checkAlterSequenceInTransaction(p *Pass) {
	as := p.Stmt.Node.GetAlterSeqStmt()
	if as == nil || p.Stmt.Tx == nil {
		return
	}
	seq := pgast.RelName(as.GetSequence())
	if p.IsNew(seq) {
		return
	}
	// For each statement of the transaction, how many of the statements
	// from it on add time to the transaction; counted once.
	timed := fileIndex(p, txKey{"timed-statements-from", p.Stmt.Tx}, func() []int {
		stmts := txStatements(p)
		from := make([]int, len(stmts)+1)
		for i := len(stmts) - 1; i >= 0; i-- {
			from[i] = from[i+1]
			if !isSessionControl(stmts[i].Node) {
				from[i]++
			}
		}
		return from
	})
	after := timed[p.Stmt.Index-txStatements(p)[0].Index+1]
	if after == 0 {
		return
	}
	more := "1 more statement runs"
	if after > 1 {
		more = fmt.Sprintf("%d more statements run", after)
	}
	mode := p.LockOn(seq)
	s := Display(seq)
	p.Report(Diagnostic{
		Message: fmt.Sprintf("ALTER SEQUENCE %s holds %s on it until commit, and %s in the transaction after it: every "+
			"INSERT that draws from %s (nextval) waits meanwhile", s, mode, more, s),
		Lock:  mode,
		Table: s,
		Fixes: []Fix{Recipe("Run ALTER SEQUENCE alone in a short transaction of its own, with a lock_timeout")},
	})
}

// isSessionControl reports whether n only controls the transaction or the
// session (BEGIN, COMMIT, SET, RESET, SHOW, SELECT set_config(...)), and
// so adds no time to a transaction.
func isSessionControl(n *pg.Node) bool {
	switch x := n.GetNode().(type) {
	case *pg.Node_TransactionStmt, *pg.Node_VariableSetStmt, *pg.Node_VariableShowStmt:
		return true
	case *pg.Node_SelectStmt:
		ts := x.SelectStmt.GetTargetList()
		if len(ts) != 1 || len(x.SelectStmt.GetFromClause()) > 0 {
			return false
		}
		fc := ts[0].GetResTarget().GetVal().GetFuncCall()
		return fc != nil && pgast.FuncName(fc) == "set_config"
	default:
		return false
	}
}
