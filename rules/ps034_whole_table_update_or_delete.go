package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// WholeTableUpdateOrDelete reports UPDATE or DELETE of every row of an
// existing table: without WHERE, with a WHERE that keeps every row, or
// joined to other tables with nothing else to filter the rows (hazard
// catalog row 41).
func WholeTableUpdateOrDelete() *Rule {
	return &Rule{
		Code: "PS034", Name: "whole-table-update-or-delete", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "UPDATE or DELETE of every row of an existing table: no WHERE clause, a WHERE that keeps every row, or only a join.",
			Why: "One statement changes every row in one transaction: it holds the lock of every row until it commits, " +
				"so concurrent updates and deletes of any row wait; it writes the whole table to the WAL, which makes " +
				"replicas lag; and it leaves a dead copy of every row behind for VACUUM. Inside a migration " +
				"transaction that already changed the table's schema, the ACCESS EXCLUSIVE lock of that change is " +
				"held for the whole update too, so nobody can even read the table. A WHERE clause that keeps every row " +
				"(`WHERE true`, `WHERE 1 = 1`, `WHERE c IS NULL OR c IS NOT NULL`) changes nothing about that, and neither " +
				"does an `UPDATE ... FROM` (or `DELETE ... USING`) whose WHERE only joins the tables: every row with a " +
				"match is changed in the one transaction.",
			Bad: "ALTER TABLE accounts ADD COLUMN plan text;\nUPDATE accounts SET plan = 'free';",
			Good: "ALTER TABLE accounts ADD COLUMN plan text;\n" +
				"-- then, outside the DDL transaction, one short transaction per batch:\n" +
				"UPDATE accounts SET plan = 'free' WHERE id >= 1 AND id < 10001 AND plan IS NULL;",
			Help: "work in batches outside the DDL transaction: UPDATE or DELETE ... WHERE id >= $lo AND id < $hi (AND <not " +
				"yet done>), committing every 1,000 to 100,000 rows and pausing between batches",
			Locks: "ROW EXCLUSIVE, and a lock on every row it changes until commit: concurrent updates of those rows wait, and in a transaction with DDL the DDL's ACCESS EXCLUSIVE is held throughout.",
			FixSafety: "Unsafe (the update is no longer atomic): a plain UPDATE without WHERE of a table whose single-column primary key the " +
				"catalog knows becomes a DO block that walks the key in batches of batch-size rows and commits after each, outside a " +
				"transaction. DELETE and other UPDATEs (with a WHERE, an alias, FROM, WITH or RETURNING) keep the display-only recipe.",
			Versions:    "All versions.",
			CatalogRows: []int{41},
		},
		Check: checkWholeTableUpdateOrDelete,
	}
}

func checkWholeTableUpdateOrDelete(p *Pass) {
	var verb string
	var rv *pg.RangeVar
	var where *pg.Node
	var from []*pg.Node
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_UpdateStmt:
		verb, rv, where, from = "UPDATE", n.UpdateStmt.GetRelation(), n.UpdateStmt.GetWhereClause(), n.UpdateStmt.GetFromClause()
	case *pg.Node_DeleteStmt:
		verb, rv, where, from = "DELETE", n.DeleteStmt.GetRelation(), n.DeleteStmt.GetWhereClause(), n.DeleteStmt.GetUsingClause()
	default:
		return
	}
	how := "without WHERE"
	switch {
	case where == nil:
	case keepsEveryRow(where):
		how = "with a WHERE that keeps every row"
	case len(from) > 0 && onlyJoins(where, rv):
		how = "filtered only by its join"
	default:
		return
	}
	table := pgast.RelName(rv)
	if table == "" || p.IsNew(table) {
		return
	}
	mode := p.LockOn(table)
	d := Diagnostic{
		Span:  p.At(rv.GetLocation()),
		Lock:  mode,
		Table: Display(table),
		Message: fmt.Sprintf("%s %s changes every row of %s in one transaction: concurrent writes to any of its rows wait until it commits, the whole table goes to the WAL (replicas lag) and every row leaves a dead version for VACUUM",
			verb, how, Display(table)),
		Fixes: []Fix{batchedUpdateFix(p, table)},
	}
	if st, l := heldAccessExclusive(p, table); st != nil {
		d.Lock = l.Mode
		d.Message += fmt.Sprintf("; it runs in the same transaction as the %s on line %d, which holds %s on %s until commit, so every read and write of %s waits for the whole %s",
			commandName(p, st), p.Line(st), l.Mode, l.target(), l.table(), verb)
	}
	p.Report(d)
}

// heldAccessExclusive returns an earlier statement of the current
// transaction that took ACCESS EXCLUSIVE on a table that existed before
// the file, and that lock: the first on table if any, else the first on
// any table; nil when there is none.
func heldAccessExclusive(p *Pass, table string) (*migration.Statement, tableLock) {
	if p.Stmt.Tx == nil {
		return nil, tableLock{}
	}
	held := earlier(p, "whole-table-update-or-delete", func(acc *exclusiveLocks, st *migration.Statement) {
		for _, l := range existingLocks(p, st, func(m locks.Mode) bool { return m == locks.AccessExclusive }) {
			if acc.first == nil {
				acc.first, acc.firstLock = st, l
			}
			if _, seen := acc.byTable[l.Table]; !seen {
				if acc.byTable == nil {
					acc.byTable = map[string]heldLock{}
				}
				acc.byTable[l.Table] = heldLock{st, l}
			}
		}
	})
	if h, ok := held.byTable[table]; ok {
		return h.by, h.lock
	}
	return held.first, held.firstLock
}

// exclusiveLocks are the ACCESS EXCLUSIVE locks on existing tables that
// the earlier statements of a transaction took: the first, and the first
// on each table.
type exclusiveLocks struct {
	first     *migration.Statement
	firstLock tableLock
	byTable   map[string]heldLock
}

// heldLock is a lock and the statement that took it.
type heldLock struct {
	by   *migration.Statement
	lock tableLock
}

// batchedUpdateFix rewrites a plain whole-table UPDATE (no WHERE, alias,
// FROM, WITH or RETURNING) of a table with a known single-column primary key
// into a batched one that commits after each batch. It is unsafe: the
// update is no longer atomic.
func batchedUpdateFix(p *Pass, table string) Fix {
	const title = "Backfill in batches outside the DDL transaction"
	up := p.Stmt.Node.GetUpdateStmt()
	key := primaryKeyColumn(p, table)
	if up == nil || key == "" || up.GetWhereClause() != nil || up.GetRelation().GetAlias() != nil || len(up.GetFromClause()) > 0 ||
		up.GetWithClause() != nil || len(up.GetReturningList()) > 0 {
		return Recipe(title)
	}
	set, ok := p.Keyword("set")
	if !ok {
		return Recipe(title)
	}
	assignments := strings.TrimSpace(p.File.Text[set.End:p.Stmt.Span.End])
	return StepsFix(p, title, Unsafe, locks.RowExclusive,
		Step{SQL: batchedUpdate(p, table, key, assignments, ""), NoTransaction: true})
}

// keepsEveryRow reports whether the WHERE condition where is true for
// every row: the constant true, an equality of two equal constants
// (1 = 1), x IS NULL OR x IS NOT NULL, or an AND of such conditions, or
// an OR with one of them.
func keepsEveryRow(where *pg.Node) bool {
	switch n := where.GetNode().(type) {
	case *pg.Node_AConst:
		return n.AConst.GetBoolval().GetBoolval()
	case *pg.Node_AExpr:
		e := n.AExpr
		if e.GetKind() != pg.A_Expr_Kind_AEXPR_OP || pgast.LastString(e.GetName()) != "=" {
			return false
		}
		l, lok := pgast.ConstString(e.GetLexpr())
		r, rok := pgast.ConstString(e.GetRexpr())
		return lok && rok && l == r
	case *pg.Node_BoolExpr:
		args := n.BoolExpr.GetArgs()
		switch n.BoolExpr.GetBoolop() {
		case pg.BoolExprType_AND_EXPR:
			for _, a := range args {
				if !keepsEveryRow(a) {
					return false
				}
			}
			return len(args) > 0
		case pg.BoolExprType_OR_EXPR:
			tested := map[string]pg.NullTestType{}
			for _, a := range args {
				if keepsEveryRow(a) {
					return true
				}
				nt := a.GetNullTest()
				if nt == nil {
					continue
				}
				expr := pgast.ExprSQL(nt.GetArg())
				if prev, seen := tested[expr]; seen && expr != "" && prev != nt.GetNulltesttype() {
					return true // x IS NULL OR x IS NOT NULL
				}
				tested[expr] = nt.GetNulltesttype()
			}
			return false
		default:
			return false
		}
	default:
		return false
	}
}

// onlyJoins reports whether the WHERE condition where only joins the
// target table rv to the tables of FROM (or USING): an AND of equalities
// between a column of the target and a column of another table, and of
// conditions that keep every row. Every target row with a match is then
// changed.
func onlyJoins(where *pg.Node, rv *pg.RangeVar) bool {
	target := rv.GetRelname()
	if a := rv.GetAlias().GetAliasname(); a != "" {
		target = a
	}
	var terms []*pg.Node
	if b := where.GetBoolExpr(); b != nil && b.GetBoolop() == pg.BoolExprType_AND_EXPR {
		terms = b.GetArgs()
	} else {
		terms = []*pg.Node{where}
	}
	joined := false
	for _, t := range terms {
		if keepsEveryRow(t) {
			continue
		}
		e := t.GetAExpr()
		if e == nil || e.GetKind() != pg.A_Expr_Kind_AEXPR_OP || pgast.LastString(e.GetName()) != "=" {
			return false
		}
		l, r := columnQualifier(e.GetLexpr()), columnQualifier(e.GetRexpr())
		if l == "" || r == "" || l == r || (l != target && r != target) {
			return false
		}
		joined = true
	}
	return joined
}

// columnQualifier returns the table name or alias that qualifies the
// column reference n ("p" for p.name), "" when n is no qualified column.
func columnQualifier(n *pg.Node) string {
	fields := pgast.Strings(n.GetColumnRef().GetFields())
	if len(fields) < 2 {
		return ""
	}
	return fields[len(fields)-2]
}
