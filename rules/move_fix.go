package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// This file builds the expand/contract rewrite of a column move made in
// one migration (hazard catalog row 37): a copy of a column's values to
// a new place, then the drop of the column, in the same file. The copy
// takes one of two shapes:
//
//	(a) ALTER TABLE t ADD COLUMN b ...; UPDATE t SET b = f(a) [WHERE ...];
//	(b) CREATE TABLE p (...); INSERT INTO p (k, b) SELECT id, f(a) FROM t [WHERE ...];
//
// followed by ALTER TABLE t DROP COLUMN a. The rewrite replaces the drop
// with the expand part, and a copy right before the drop with the end of
// its transaction (the backfill redoes the copy in batches, and the locks
// taken before it, the new column's ACCESS EXCLUSIVE or a new table's
// foreign key's SHARE ROW EXCLUSIVE on t, must not be held while t is
// walked); a copy that other statements follow stays:
//
//  1. A trigger on t that repeats the copy for every row written from
//     then on: for (a) a BEFORE INSERT OR UPDATE OF <the columns the copy
//     reads> trigger that sets NEW.b, for (b) an AFTER trigger that
//     upserts the row into p (INSERT ... ON CONFLICT on the key filled
//     from t's primary key). An INSERT copies only when it gives one of
//     the columns read a value, so that code already deployed for the new
//     place, which leaves the old column NULL, keeps what it writes there.
//  2. A batched backfill over t's primary key that copies every row
//     again: rows written between the copy and the trigger are synced.
//     For (b) each batch reads t's rows FOR SHARE, so that a concurrent
//     write of a row, whose trigger upserts the newer value, either waits
//     for the batch or is waited for and read by it: the batch never
//     overwrites a newer value with the older one. For (a) the UPDATE
//     itself locks the rows and re-reads a row that a concurrent write
//     changed.
//
// The contract part, a new migration that runs in a later release (see
// split.Contract), drops the trigger, its function, and then the column
// with the user's own statement.

// moveFixTitle is the title of the move's fix.
const moveFixTitle = "Expand now, contract later: keep the new place in sync with a trigger, backfill it in batches, and drop the old column in a contract migration"

// movePlan is the rewrite of one DROP COLUMN statement that completes a
// column move, planned when the rule sees the statement (the catalog and
// the parse trees of the file are gone once the history is complete).
type movePlan struct {
	// copyStmt is the index in the file of the copy the plan syncs, -1
	// when pgsafe found none.
	copyStmt int
	// fix is the unsafe fix when why is "".
	fix Fix
	why string
}

// fixFor returns the fix of the finding on the moves ms of the drop, in
// the file at path: the plan's, or the display-only recipe that says why
// it cannot apply.
func (mp *movePlan) fixFor(path string, ms []history.Move) Fix {
	for _, m := range ms {
		if m.Copy.Path != path {
			return recipeBecause(moveFixTitle, fmt.Sprintf("the copy is in %s: pgsafe rewrites a move whose copy and drop are in one file", filepath.Base(m.Copy.Path)))
		}
	}
	switch {
	case mp == nil:
		return recipeBecause(moveFixTitle, "pgsafe rewrites only ALTER TABLE ... DROP COLUMN")
	case mp.why != "":
		return recipeBecause(moveFixTitle, mp.why)
	}
	for _, m := range ms {
		if m.Copy.Stmt != mp.copyStmt {
			return recipeBecause(moveFixTitle, "the values are copied by more than one statement")
		}
	}
	return mp.fix
}

// planMove plans the rewrite of the current statement when it is an ALTER
// TABLE that drops columns: nil for any other statement.
func planMove(p *Pass) *movePlan {
	at := p.Stmt.Node.GetAlterTableStmt()
	if at == nil || at.GetObjtype() != pg.ObjectType_OBJECT_TABLE || p.Stmt.Direction != migration.Up {
		return nil
	}
	table := pgast.RelName(at.GetRelation())
	var dropped []string
	others := false
	for _, c := range at.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd.GetSubtype() == pg.AlterTableType_AT_DropColumn {
			dropped = append(dropped, cmd.GetName())
		} else {
			others = true
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	mp := &movePlan{copyStmt: -1}
	t := p.Catalog.Table(table)
	switch {
	case others:
		mp.why = "the statement does more than drop columns: give the drops an ALTER TABLE of their own"
		return mp
	case t == nil || t.Unknown:
		mp.why = fmt.Sprintf("pgsafe does not know every column of %s from the migrations", Display(table))
		return mp
	case at.GetMissingOk():
		mp.why = "the statement is ALTER TABLE IF EXISTS, whose table pgsafe cannot vouch for"
		return mp
	}
	copyStmt := findCopy(p, t, dropped)
	if copyStmt < 0 {
		mp.why = "pgsafe does not find the statement of the file that copies the values"
		return mp
	}
	mp.copyStmt = copyStmt
	ms, why := readCopy(p, t, copyStmt)
	if why == "" {
		why = ms.check(p, dropped)
	}
	if why != "" {
		mp.why = why
		return mp
	}
	mp.fix = ms.fix(p)
	return mp
}

// findCopy returns the index of the last statement of the file before the
// current one that copies a value of one of t's columns dropped into
// another column, -1 when there is none.
func findCopy(p *Pass, t *schema.Table, dropped []string) int {
	for i := p.Stmt.Index - 1; i >= 0; i-- {
		st := p.File.Statements[i]
		switch st.Node.GetNode().(type) {
		case *pg.Node_InsertStmt, *pg.Node_UpdateStmt:
		default:
			continue
		}
		for _, w := range resolve.Statement(st.Node, p.Catalog).Writes {
			for _, src := range w.From {
				if src.ID == t.ID && slices.Contains(dropped, src.Column) && (w.Column.ID != src.ID || w.Column.Column != src.Column) {
					return i
				}
			}
		}
	}
	return -1
}

// moveSync is the copy of a move, read so that a trigger can repeat it
// for one row and a backfill for a range of rows.
type moveSync struct {
	source *schema.Table
	key    string // source's single-column primary key
	stmt   int    // the copy's index in the file
	// reads are the source columns the copy reads, in order; cond is its
	// WHERE, reading the row from NEW (newCond) or as the table's columns
	// (cond); both "" without one.
	reads         []string
	cond, newCond string
	// target is the table the copy writes (the source for shape (a)), and
	// cols the columns it writes, whose values are vals (reading the
	// table's columns) and newVals (reading NEW).
	target        *schema.Table
	cols          []string
	vals, newVals []string
	// conflict are the target's columns filled from the source's primary
	// key, for shape (b): those of its PRIMARY KEY or UNIQUE constraint.
	conflict []string
	// drop is the text of the DROP statement, for the contract.
	drop string
}

// sameTable reports the shape (a): the copy fills columns of the source
// table itself.
func (ms *moveSync) sameTable() bool { return ms.target.ID == ms.source.ID }

// readCopy reads the copy statement of the move, or says why pgsafe
// cannot repeat it for one row and for a range of rows.
func readCopy(p *Pass, t *schema.Table, i int) (*moveSync, string) {
	st := p.File.Statements[i]
	ms := &moveSync{source: t, key: primaryKeyColumn(p, t.Key), stmt: i, drop: strings.TrimSpace(p.StmtText()) + ";"}
	if ms.key == "" {
		return nil, fmt.Sprintf("%s has no single-column primary key that pgsafe knows, to backfill in batches by", Display(t.Key))
	}
	line := p.Line(st)
	var why string
	switch n := st.Node.GetNode().(type) {
	case *pg.Node_UpdateStmt:
		why = ms.readUpdate(p, n.UpdateStmt)
	case *pg.Node_InsertStmt:
		why = ms.readInsert(p, n.InsertStmt)
	default:
		why = "it is neither an UPDATE nor an INSERT ... SELECT"
	}
	if why != "" {
		return nil, fmt.Sprintf("pgsafe cannot repeat the copy on line %d in a trigger: %s", line, why)
	}
	return ms, ""
}

// readUpdate reads the copy UPDATE t SET b = f(a), ... [WHERE ...].
func (ms *moveSync) readUpdate(p *Pass, up *pg.UpdateStmt) string {
	rel := up.GetRelation()
	switch {
	case pgast.RelName(rel) != ms.source.Key:
		return "it updates another table"
	case len(up.GetFromClause()) > 0 || up.GetWithClause() != nil || len(up.GetReturningList()) > 0:
		return "it has FROM, WITH or RETURNING"
	}
	ms.target = ms.source
	quals := qualifiers(rel)
	for _, n := range up.GetTargetList() {
		rt := n.GetResTarget()
		if rt == nil || len(rt.GetIndirection()) > 0 || ms.source.Column(rt.GetName()) == nil {
			return "it sets something other than whole columns that pgsafe knows"
		}
		plain, onNew, ok := ms.rowExpr(rt.GetVal(), quals)
		if !ok {
			return fmt.Sprintf("the value of %s reads something other than columns of %s", rt.GetName(), Display(ms.source.Key))
		}
		ms.cols = append(ms.cols, rt.GetName())
		ms.vals, ms.newVals = append(ms.vals, plain), append(ms.newVals, onNew)
	}
	return ms.readWhere(up.GetWhereClause(), quals)
}

// readInsert reads the copy INSERT INTO p (k, b, ...) SELECT id, f(a),
// ... FROM t [WHERE ...].
func (ms *moveSync) readInsert(p *Pass, ins *pg.InsertStmt) string {
	sel := ins.GetSelectStmt().GetSelectStmt()
	switch {
	case ins.GetWithClause() != nil || ins.GetOnConflictClause() != nil || len(ins.GetReturningList()) > 0:
		return "it has WITH, ON CONFLICT or RETURNING"
	case len(ins.GetCols()) == 0:
		return "it names no target columns"
	case sel == nil || sel.GetOp() != pg.SetOperation_SETOP_NONE || len(sel.GetValuesLists()) > 0 || sel.GetWithClause() != nil ||
		len(sel.GetDistinctClause()) > 0 || len(sel.GetGroupClause()) > 0 || sel.GetHavingClause() != nil || len(sel.GetWindowClause()) > 0 ||
		sel.GetLimitCount() != nil || sel.GetLimitOffset() != nil || len(sel.GetLockingClause()) > 0 || sel.GetIntoClause() != nil:
		return "its SELECT does more than read rows of one table"
	case len(sel.GetFromClause()) != 1 || sel.GetFromClause()[0].GetRangeVar() == nil ||
		pgast.RelName(sel.GetFromClause()[0].GetRangeVar()) != ms.source.Key:
		return fmt.Sprintf("its SELECT reads more than %s", Display(ms.source.Key))
	case len(sel.GetTargetList()) != len(ins.GetCols()):
		return "its SELECT gives another number of values than the columns it names"
	}
	ms.target = p.Catalog.Table(pgast.RelName(ins.GetRelation()))
	if ms.target == nil || ms.target.Unknown || ms.target.ID == ms.source.ID {
		return "pgsafe does not know the table it fills"
	}
	quals := qualifiers(sel.GetFromClause()[0].GetRangeVar())
	var keyed []string
	for k, n := range ins.GetCols() {
		col := n.GetResTarget().GetName()
		if len(n.GetResTarget().GetIndirection()) > 0 || ms.target.Column(col) == nil {
			return "it fills something other than whole columns that pgsafe knows"
		}
		val := sel.GetTargetList()[k].GetResTarget().GetVal()
		plain, onNew, ok := ms.rowExpr(val, quals)
		if !ok {
			return fmt.Sprintf("the value of %s reads something other than columns of %s", col, Display(ms.source.Key))
		}
		if plain == pgast.QuoteIdent(ms.key) {
			keyed = append(keyed, col)
		}
		ms.cols = append(ms.cols, col)
		ms.vals, ms.newVals = append(ms.vals, plain), append(ms.newVals, onNew)
	}
	for _, con := range ms.target.Constraints {
		if (con.Type == pg.ConstrType_CONSTR_PRIMARY || con.Type == pg.ConstrType_CONSTR_UNIQUE) && len(keyed) > 0 && sameSet(con.Columns, keyed) {
			ms.conflict = con.Columns
			break
		}
	}
	if ms.conflict == nil {
		return fmt.Sprintf("%s has no PRIMARY KEY or UNIQUE constraint on the columns filled from %s.%s, for the trigger's INSERT ... ON CONFLICT",
			Display(ms.target.Key), Display(ms.source.Key), ms.key)
	}
	return ms.readWhere(sel.GetWhereClause(), quals)
}

// readWhere reads the copy's WHERE clause, if any.
func (ms *moveSync) readWhere(where *pg.Node, quals []string) string {
	if where == nil {
		return ""
	}
	plain, onNew, ok := ms.rowExpr(where, quals)
	if !ok {
		return fmt.Sprintf("its WHERE reads something other than columns of %s", Display(ms.source.Key))
	}
	ms.cond, ms.newCond = plain, onNew
	return ""
}

// qualifiers returns the names that may qualify a column of the relation
// rv in the statement: its alias, or its name.
func qualifiers(rv *pg.RangeVar) []string {
	if a := rv.GetAlias().GetAliasname(); a != "" {
		return []string{a}
	}
	return []string{rv.GetRelname()}
}

// rowExpr returns expr, which may read only columns of the source table
// (bare or qualified by one of quals) and holds no subquery, as SQL that
// reads the table's columns and as SQL that reads them from NEW, and adds
// the columns it reads to ms.reads. ok is false for any other expression.
func (ms *moveSync) rowExpr(expr *pg.Node, quals []string) (plain, onNew string, ok bool) {
	if expr == nil {
		return "", "", false
	}
	a, b := proto.Clone(expr).(*pg.Node), proto.Clone(expr).(*pg.Node)
	var read []string
	rewrite := func(root *pg.Node, prefix []string) bool {
		good := true
		pgast.Walk(root, func(n *pg.Node) bool {
			switch {
			case n.GetSubLink() != nil, n.GetParamRef() != nil:
				good = false
			case n.GetColumnRef() != nil:
				cr := n.GetColumnRef()
				f := cr.GetFields()
				name := ""
				switch {
				case len(f) == 1 && f[0].GetString_() != nil:
					name = f[0].GetString_().GetSval()
				case len(f) == 2 && f[0].GetString_() != nil && f[1].GetString_() != nil && slices.Contains(quals, f[0].GetString_().GetSval()):
					name = f[1].GetString_().GetSval()
				}
				if name == "" || ms.source.Column(name) == nil {
					good = false
					return false
				}
				if !slices.Contains(read, name) {
					read = append(read, name)
				}
				cr.Fields = stringNodes(append(append([]string{}, prefix...), name))
				return false
			default:
			}
			return good
		})
		return good
	}
	if !rewrite(a, nil) || !rewrite(b, []string{"new"}) {
		return "", "", false
	}
	plain, onNew = pgast.ExprSQL(a), pgast.ExprSQL(b)
	if plain == "" || onNew == "" {
		return "", "", false
	}
	for _, c := range read {
		if !slices.Contains(ms.reads, c) {
			ms.reads = append(ms.reads, c)
		}
	}
	return plain, onNew, true
}

// sameSet reports whether a and b hold the same names.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// check says why the statements around the move keep the rewrite from
// being mechanical: one between the copy and the drop writes what the
// trigger will write (the trigger would overwrite it), or one after the
// drop changes what the trigger reads or writes, or gives a column the
// dropped one's name (a type change by hand).
func (ms *moveSync) check(p *Pass, dropped []string) string {
	written := func(r resolve.Ref) bool {
		return r.ID == ms.target.ID && slices.Contains(ms.cols, r.Column)
	}
	for _, st := range p.File.Statements[ms.stmt+1 : p.Stmt.Index] {
		for _, w := range resolve.Statement(st.Node, p.Catalog).Writes {
			if written(w.Column) {
				return fmt.Sprintf("line %d writes %s.%s after the copy, and the sync trigger would overwrite it", p.Line(st), Display(ms.target.Key), w.Column.Column)
			}
		}
	}
	involved := func(table string, col string) bool {
		switch table {
		case ms.source.Key:
			return slices.Contains(ms.reads, col) || slices.Contains(dropped, col) || (ms.sameTable() && slices.Contains(ms.cols, col))
		case ms.target.Key:
			return slices.Contains(ms.cols, col)
		default:
			return false
		}
	}
	for _, st := range p.File.Statements[p.Stmt.Index+1:] {
		if st.Direction != migration.Up {
			continue
		}
		line := p.Line(st)
		switch n := st.Node.GetNode().(type) {
		case *pg.Node_RenameStmt:
			r := n.RenameStmt
			table := pgast.RelName(r.GetRelation())
			if table != ms.source.Key && table != ms.target.Key {
				continue
			}
			switch {
			case r.GetRenameType() == pg.ObjectType_OBJECT_COLUMN && table == ms.source.Key && slices.Contains(dropped, r.GetNewname()):
				return fmt.Sprintf("line %d renames %s to %s, the dropped column's name: a type change by hand, which the column's code must not see half done",
					line, r.GetSubname(), r.GetNewname())
			case r.GetRenameType() == pg.ObjectType_OBJECT_COLUMN && involved(table, r.GetSubname()):
				return fmt.Sprintf("line %d renames %s, which the sync trigger reads or writes", line, r.GetSubname())
			case r.GetRenameType() == pg.ObjectType_OBJECT_TABLE:
				return fmt.Sprintf("line %d renames %s, which the sync trigger names", line, Display(table))
			}
		case *pg.Node_AlterTableStmt:
			table := pgast.RelName(n.AlterTableStmt.GetRelation())
			for _, c := range n.AlterTableStmt.GetCmds() {
				cmd := c.GetAlterTableCmd()
				switch cmd.GetSubtype() {
				case pg.AlterTableType_AT_AddColumn:
					if name := cmd.GetDef().GetColumnDef().GetColname(); table == ms.source.Key && slices.Contains(dropped, name) {
						return fmt.Sprintf("line %d adds a column named %s again", line, name)
					}
				case pg.AlterTableType_AT_DropColumn, pg.AlterTableType_AT_AlterColumnType:
					if involved(table, cmd.GetName()) {
						return fmt.Sprintf("line %d changes %s, which the sync trigger reads or writes", line, cmd.GetName())
					}
				default:
				}
			}
		case *pg.Node_DropStmt:
			if n.DropStmt.GetRemoveType() == pg.ObjectType_OBJECT_TABLE {
				for _, key := range pgast.DropObjects(n.DropStmt) {
					if key == ms.source.Key || key == ms.target.Key {
						return fmt.Sprintf("line %d drops %s, which the sync trigger names", line, Display(key))
					}
				}
			}
		default:
		}
	}
	return ""
}

// sync returns the sync trigger and its function on the source, named
// after the column the copy fills for shape (a), after the table it fills
// for shape (b).
func (ms *moveSync) sync() syncObjects {
	what := ms.cols[0]
	if !ms.sameTable() {
		what = pgast.ObjectName(ms.target.Key)
	}
	return newSyncObjects(ms.source.Key, what)
}

// fix writes the expand steps and the contract.
func (ms *moveSync) fix(p *Pass) Fix {
	sync := ms.sync()
	src := sync.table
	// An INSERT copies only when it gives a column the copy reads a value:
	// code deployed for the new place leaves the old column NULL and keeps
	// what it writes there.
	var given []string
	for _, c := range ms.reads {
		if c != ms.key {
			given = append(given, "NEW."+pgast.QuoteIdent(c)+" IS NOT NULL")
		}
	}
	when := ""
	if len(given) > 0 {
		when = "(TG_OP = 'UPDATE' OR " + strings.Join(given, " OR ") + ")"
	}
	if ms.newCond != "" {
		if when != "" {
			when += " AND "
		}
		when += "(" + ms.newCond + ")"
	}
	var body []string
	var timing, ret, backfill string
	cols := pgast.QuoteList(ms.cols)
	if ms.sameTable() {
		timing, ret = "BEFORE", "NEW"
		var sets []string
		for k, c := range ms.cols {
			body = append(body, fmt.Sprintf("NEW.%s := %s;", pgast.QuoteIdent(c), ms.newVals[k]))
			sets = append(sets, fmt.Sprintf("%s = %s", pgast.QuoteIdent(c), ms.vals[k]))
		}
		extra := ""
		if ms.cond != "" {
			extra = "(" + ms.cond + ")"
		}
		backfill = batchedUpdate(p, ms.source.Key, ms.key, strings.Join(sets, ", "), extra)
	} else {
		timing, ret = "AFTER", "NULL"
		tgt := pgast.QuoteName(ms.target.Key)
		upsert := " ON CONFLICT (" + pgast.QuoteList(ms.conflict) + ") DO NOTHING"
		var updates []string
		for _, c := range ms.cols {
			if !slices.Contains(ms.conflict, c) {
				updates = append(updates, fmt.Sprintf("%s = EXCLUDED.%s", pgast.QuoteIdent(c), pgast.QuoteIdent(c)))
			}
		}
		if len(updates) > 0 {
			upsert = " ON CONFLICT (" + pgast.QuoteList(ms.conflict) + ") DO UPDATE SET " + strings.Join(updates, ", ")
		}
		body = append(body, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)%s;", tgt, cols, strings.Join(ms.newVals, ", "), upsert))
		backfill = batchedLoop(p, ms.source.Key, ms.key,
			"-- pgsafe: batched backfill; each batch reads its rows FOR SHARE, so that no concurrent write of one is overwritten with an older value.",
			func(where string) string {
				if ms.cond != "" {
					where += " AND (" + ms.cond + ")"
				}
				return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s FOR SHARE%s;", tgt, cols, strings.Join(ms.vals, ", "), src, where, upsert)
			})
	}
	if when != "" {
		for k, l := range body {
			body[k] = "  " + l
		}
		body = append(append([]string{"IF " + when + " THEN"}, body...), "END IF;")
	}
	for k, l := range body {
		body[k] = "  " + l
	}
	lines := append([]string{"-- pgsafe: expand: a trigger repeats the copy for every row written until the contract migration drops it."},
		sync.function(body, ret)...)
	lines = append(lines, fmt.Sprintf("CREATE TRIGGER %s %s INSERT OR UPDATE OF %s ON %s FOR EACH ROW EXECUTE FUNCTION %s();",
		sync.trigger, timing, pgast.QuoteList(ms.reads), src, sync.fn))
	contract := strings.Join(append(sync.drop(false), ms.drop), "\n")
	fx := StepsFix(p, moveFixTitle, Unsafe, locks.RowExclusive,
		Step{SQL: strings.Join(lines, "\n")},
		Step{SQL: backfill, NoTransaction: true})
	if ms.stmt == p.Stmt.Index-1 {
		// The copy right before the drop: the backfill redoes it in
		// batches, so it becomes the end of its transaction, which releases
		// the locks taken before it (the new column's ACCESS EXCLUSIVE, a
		// new table's foreign key's SHARE ROW EXCLUSIVE on the source)
		// before the trigger and the backfill run.
		fx.Also = []Replacement{{Stmt: ms.stmt, Steps: []Step{{SQL: ""}}}}
	}
	fx.Contract = contract
	fx.Down = strings.Join(sync.drop(true), "\n")

	return fx
}
