package resolve

import (
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// subquery resolves a query used as a value or FROM item: a SELECT, or a
// data-modifying statement with RETURNING (in a CTE).
func (r *resolver) subquery(n *pg.Node, sc *scope) query {
	switch v := n.GetNode().(type) {
	case *pg.Node_SelectStmt:
		return r.selectStmt(v.SelectStmt, sc)
	case *pg.Node_InsertStmt:
		return r.insertStmt(v.InsertStmt, sc)
	case *pg.Node_UpdateStmt:
		return r.updateStmt(v.UpdateStmt, sc)
	case *pg.Node_DeleteStmt:
		return r.deleteStmt(v.DeleteStmt, sc)
	default:
		return query{}
	}
}

// selectStmt resolves a SELECT, VALUES or set operation. outer is the
// enclosing level for correlated references, nil at the top.
func (r *resolver) selectStmt(s *pg.SelectStmt, outer *scope) query {
	env := envOf(outer)
	if wc := s.GetWithClause(); wc != nil {
		env = r.with(wc, outer, env)
	}
	if s.GetOp() != pg.SetOperation_SETOP_NONE {
		l := r.selectStmt(s.GetLarg(), withEnv(outer, env))
		rt := r.selectStmt(s.GetRarg(), withEnv(outer, env))
		out := query{cols: l.cols, complete: l.complete && rt.complete}
		for i := range out.cols {
			if i < len(rt.cols) {
				out.cols[i].From = append(append([]Ref{}, out.cols[i].From...), rt.cols[i].From...)
			}
		}
		return out
	}
	sc := &scope{outer: outer, ctes: env}
	if rows := s.GetValuesLists(); len(rows) > 0 {
		out := query{complete: true}
		for _, row := range rows {
			for i, e := range row.GetList().GetItems() {
				if i == len(out.cols) {
					out.cols = append(out.cols, Output{Name: "column" + strconv.Itoa(i+1)})
				}
				out.cols[i].From = append(out.cols[i].From, r.expr(e, sc)...)
			}
		}
		return out
	}
	r.from(s.GetFromClause(), sc)
	out := r.targets(s.GetTargetList(), sc, false)
	for _, n := range []*pg.Node{s.GetWhereClause(), s.GetHavingClause(), s.GetLimitOffset(), s.GetLimitCount()} {
		r.expr(n, sc)
	}
	for _, list := range [][]*pg.Node{s.GetGroupClause(), s.GetSortClause(), s.GetDistinctClause(), s.GetWindowClause()} {
		for _, n := range list {
			r.expr(n, sc)
		}
	}
	return out
}

// envOf returns the CTEs visible at sc, nil for none.
func envOf(sc *scope) *cteEnv {
	if sc == nil {
		return nil
	}
	return sc.ctes
}

// withEnv returns a level that sees outer's items and the CTEs of env,
// for the branches of a set operation.
func withEnv(outer *scope, env *cteEnv) *scope {
	if outer == nil && env == nil {
		return nil
	}
	return &scope{outer: outer, ctes: env}
}

// with resolves the CTEs of a WITH clause, each seeing those before it
// (and itself, when recursive), and returns the environment they make.
func (r *resolver) with(wc *pg.WithClause, outer *scope, parent *cteEnv) *cteEnv {
	env := &cteEnv{parent: parent, defs: map[string]query{}}
	for _, n := range wc.GetCtes() {
		cte := n.GetCommonTableExpr()
		if cte == nil {
			continue
		}
		aliases := pgast.Strings(cte.GetAliascolnames())
		if sel := cte.GetCtequery().GetSelectStmt(); wc.GetRecursive() && sel != nil && sel.GetLarg() != nil {
			// The non-recursive term defines the columns the recursive
			// term refers to.
			first := r.selectStmt(sel.GetLarg(), &scope{outer: outer, ctes: env})
			env.defs[cte.GetCtename()] = renamed(first, aliases)
		}
		q := r.subquery(cte.GetCtequery(), &scope{outer: outer, ctes: env})
		env.defs[cte.GetCtename()] = renamed(q, aliases)
	}
	return env
}

// renamed returns q with its leading columns renamed to names.
func renamed(q query, names []string) query {
	out := query{cols: append([]Output{}, q.cols...), complete: q.complete}
	for i, n := range names {
		if i < len(out.cols) {
			out.cols[i].Name = n
		}
	}
	return out
}

// targets resolves a select or RETURNING list. A * or t.* expands to the
// columns it stands for and is recorded among the statement's stars.
func (r *resolver) targets(list []*pg.Node, sc *scope, returning bool) query {
	out := query{complete: true}
	for _, n := range list {
		rt := n.GetResTarget()
		if rt == nil {
			continue
		}
		if cr := rt.GetVal().GetColumnRef(); cr != nil && isStar(cr) {
			st := r.star(cr, sc)
			st.Returning = returning
			for _, c := range st.Columns {
				out.cols = append(out.cols, Output{Name: c.Name, From: c.From})
				r.read(c.From...)
			}
			out.complete = out.complete && st.Complete
			r.addStar(st)
			continue
		}
		name := rt.GetName()
		if name == "" {
			name = FigureColname(rt.GetVal())
		}
		out.cols = append(out.cols, Output{Name: name, From: r.expr(rt.GetVal(), sc)})
	}
	return out
}

// addStar records a star among the statement's stars, once: a recursive
// CTE's first branch is resolved twice. Stars under EXISTS are left out.
func (r *resolver) addStar(st Star) {
	if r.hideStars > 0 {
		return
	}
	for _, s := range r.res.Stars {
		if s.Location == st.Location {
			return
		}
	}
	r.res.Stars = append(r.res.Stars, st)
}

func isStar(cr *pg.ColumnRef) bool {
	f := cr.GetFields()
	return len(f) > 0 && f[len(f)-1].GetAStar() != nil
}

// star expands a * or t.* of a target list.
func (r *resolver) star(cr *pg.ColumnRef, sc *scope) Star {
	st := Star{Location: cr.GetLocation()}
	names := pgast.Strings(cr.GetFields())
	if len(names) == 0 {
		st.Complete = sc.starComplete
		for _, c := range sc.star {
			q := c.qualifier
			if sc.single {
				q = ""
			}
			st.Columns = append(st.Columns, StarColumn{Qualifier: q, Name: c.name, From: c.from})
		}
		for _, it := range sc.items {
			if it.relation {
				st.Tables = append(st.Tables, Ref{Table: it.key, ID: it.id})
			}
		}
		return st
	}
	st.Qualified = true
	var it *item
	if len(names) == 1 {
		it = sc.find(names[0])
	} else {
		it = sc.findKey(names[len(names)-2] + "." + names[len(names)-1])
	}
	if it == nil {
		return st
	}
	st.Complete = it.complete
	for _, c := range it.cols {
		st.Columns = append(st.Columns, StarColumn{Qualifier: it.name, Name: c.name, From: c.from})
	}
	if it.relation {
		st.Tables = append(st.Tables, Ref{Table: it.key, ID: it.id})
	}
	return st
}

// expr resolves the column references of an expression, records them as
// reads and returns the columns its value is computed from. A subquery
// contributes the columns of its result, not those of its WHERE clause.
func (r *resolver) expr(n *pg.Node, sc *scope) []Ref {
	var refs []Ref
	pgast.Walk(n, func(x *pg.Node) bool {
		switch v := x.GetNode().(type) {
		case *pg.Node_ColumnRef:
			got := r.columnRef(v.ColumnRef, sc)
			r.read(got...)
			refs = append(refs, got...)
			return false
		case *pg.Node_SubLink:
			refs = append(refs, r.expr(v.SubLink.GetTestexpr(), sc)...)
			// The select list of EXISTS (SELECT * ...) is never read.
			exists := v.SubLink.GetSubLinkType() == pg.SubLinkType_EXISTS_SUBLINK
			if exists {
				r.hideStars++
			}
			for _, o := range r.subquery(v.SubLink.GetSubselect(), sc).cols {
				refs = append(refs, o.From...)
			}
			if exists {
				r.hideStars--
			}
			return false
		case *pg.Node_SelectStmt, *pg.Node_InsertStmt, *pg.Node_UpdateStmt, *pg.Node_DeleteStmt:
			return false
		default:
			return true
		}
	})
	return refs
}

// target returns the item for the relation that an INSERT, UPDATE or
// DELETE changes, and records it as the statement's target when top is
// set.
func (r *resolver) target(rv *pg.RangeVar, top bool) *item {
	key := pgast.RelName(rv)
	it := &item{name: rv.GetRelname(), key: key, relation: true}
	if rel := r.relation(key); rel != nil {
		it.key, it.id, it.complete = rel.Key, rel.ID, rel.Complete
		for _, c := range rel.Columns {
			it.cols = append(it.cols, itemCol{name: c.Name, from: []Ref{{Table: rel.Key, ID: rel.ID, Column: c.Name, Num: c.Num}}})
		}
	}
	applyAlias(it, rv.GetAlias())
	if top {
		r.res.Target = Ref{Table: it.key, ID: it.id}
	}
	return it
}

// insertStmt resolves an INSERT: the columns it fills, from what, and its
// RETURNING list.
func (r *resolver) insertStmt(s *pg.InsertStmt, outer *scope) query {
	top := outer == nil
	env := envOf(outer)
	if wc := s.GetWithClause(); wc != nil {
		env = r.with(wc, outer, env)
	}
	it := r.target(s.GetRelation(), top)
	var cols []string
	for _, c := range s.GetCols() {
		cols = append(cols, c.GetResTarget().GetName())
	}
	if len(s.GetCols()) == 0 {
		for _, c := range it.cols {
			cols = append(cols, c.name)
		}
	}
	var src query
	if sel := s.GetSelectStmt().GetSelectStmt(); sel != nil {
		src = r.selectStmt(sel, withEnv(outer, env))
	}
	if top {
		r.res.Positional = len(s.GetCols()) == 0 && s.GetSelectStmt() != nil
		r.res.Values = len(src.cols)
		if !src.complete {
			r.res.Values = -1
		}
		for i, name := range cols {
			if i >= len(src.cols) {
				break
			}
			r.res.Writes = append(r.res.Writes, Write{Column: it.columnRef(name), From: src.cols[i].From})
		}
	}
	sc := &scope{outer: outer, ctes: env, items: []*item{it}, single: true, starComplete: it.complete}
	if len(s.GetReturningList()) > 0 {
		sc.star = itemStar(it) // for RETURNING *
	}
	if oc := s.GetOnConflictClause(); oc != nil {
		excluded := *it
		excluded.name = "excluded"
		ocs := &scope{outer: outer, ctes: env, items: []*item{it, &excluded}}
		for _, t := range oc.GetTargetList() {
			r.expr(t.GetResTarget().GetVal(), ocs)
		}
		r.expr(oc.GetWhereClause(), ocs)
	}
	return r.returning(s.GetReturningList(), sc, top)
}

// returning resolves a RETURNING list; at the top it gives the
// statement's outputs.
func (r *resolver) returning(list []*pg.Node, sc *scope, top bool) query {
	if len(list) == 0 {
		return query{complete: true}
	}
	out := r.targets(list, sc, true)
	if top {
		r.res.Outputs, r.res.OutputsComplete = out.cols, out.complete
	}
	return out
}

// updateStmt resolves an UPDATE: each SET column and the columns its new
// value comes from, the FROM items, WHERE and RETURNING.
func (r *resolver) updateStmt(s *pg.UpdateStmt, outer *scope) query {
	top := outer == nil
	it, sc := r.targetScope(s.GetWithClause(), s.GetRelation(), s.GetFromClause(), outer)
	multi := map[*pg.Node]query{}
	for _, n := range s.GetTargetList() {
		rt := n.GetResTarget()
		var from []Ref
		if ma := rt.GetVal().GetMultiAssignRef(); ma != nil {
			from = r.multiAssign(ma, sc, multi)
		} else {
			from = r.expr(rt.GetVal(), sc)
		}
		if top {
			r.res.Writes = append(r.res.Writes, Write{Column: it.columnRef(rt.GetName()), From: from})
		}
	}
	r.expr(s.GetWhereClause(), sc)
	return r.returning(s.GetReturningList(), sc, top)
}

// multiAssign resolves one column of SET (a, b) = (SELECT ...) or
// SET (a, b) = (x, y); a subquery is resolved once for all its columns.
func (r *resolver) multiAssign(ma *pg.MultiAssignRef, sc *scope, cache map[*pg.Node]query) []Ref {
	i := int(ma.GetColno()) - 1
	if row := ma.GetSource().GetRowExpr(); row != nil {
		if i >= 0 && i < len(row.GetArgs()) {
			return r.expr(row.GetArgs()[i], sc)
		}
		return nil
	}
	sub := ma.GetSource().GetSubLink().GetSubselect()
	q, ok := cache[sub]
	if !ok {
		q = r.subquery(sub, sc)
		cache[sub] = q
	}
	if i >= 0 && i < len(q.cols) {
		return q.cols[i].From
	}
	return nil
}

// deleteStmt resolves a DELETE: USING items, WHERE and RETURNING.
func (r *resolver) deleteStmt(s *pg.DeleteStmt, outer *scope) query {
	_, sc := r.targetScope(s.GetWithClause(), s.GetRelation(), s.GetUsingClause(), outer)
	r.expr(s.GetWhereClause(), sc)
	return r.returning(s.GetReturningList(), sc, outer == nil)
}

// targetScope resolves the WITH clause, the target and the FROM (or
// USING) items of an UPDATE or DELETE, and returns the target's item and
// the scope its SET, WHERE and RETURNING see: the target first, then the
// other items.
func (r *resolver) targetScope(wc *pg.WithClause, rel *pg.RangeVar, from []*pg.Node, outer *scope) (*item, *scope) {
	env := envOf(outer)
	if wc != nil {
		env = r.with(wc, outer, env)
	}
	it := r.target(rel, outer == nil)
	sc := &scope{outer: outer, ctes: env, items: []*item{it}}
	r.from(from, sc)
	sc.star = append(itemStar(it), sc.star...)
	sc.single = len(from) == 0
	sc.starComplete = sc.starComplete && it.complete
	return it, sc
}

// FigureColname returns the name PostgreSQL gives a result column computed
// by expression n when no alias is written (FigureColname in the parser):
// a column's name, a function's name, "case", "coalesce", or "?column?".
func FigureColname(n *pg.Node) string {
	switch v := n.GetNode().(type) {
	case *pg.Node_ColumnRef:
		if s := pgast.LastString(v.ColumnRef.GetFields()); s != "" {
			return s
		}
	case *pg.Node_AIndirection:
		for i := len(v.AIndirection.GetIndirection()) - 1; i >= 0; i-- {
			if s := v.AIndirection.GetIndirection()[i].GetString_(); s != nil {
				return s.GetSval()
			}
		}
		return FigureColname(v.AIndirection.GetArg())
	case *pg.Node_FuncCall:
		return pgast.LastString(v.FuncCall.GetFuncname())
	case *pg.Node_TypeCast:
		if name := FigureColname(v.TypeCast.GetArg()); name != "?column?" {
			return name
		}
		return pgast.LastString(v.TypeCast.GetTypeName().GetNames())
	case *pg.Node_CaseExpr:
		return "case"
	case *pg.Node_CoalesceExpr:
		return "coalesce"
	case *pg.Node_MinMaxExpr:
		if v.MinMaxExpr.GetOp() == pg.MinMaxOp_IS_GREATEST {
			return "greatest"
		}
		return "least"
	case *pg.Node_AArrayExpr:
		return "array"
	case *pg.Node_RowExpr:
		return "row"
	case *pg.Node_CollateClause:
		return FigureColname(v.CollateClause.GetArg())
	case *pg.Node_SubLink:
		switch v.SubLink.GetSubLinkType() {
		case pg.SubLinkType_EXISTS_SUBLINK:
			return "exists"
		case pg.SubLinkType_ARRAY_SUBLINK:
			return "array"
		case pg.SubLinkType_EXPR_SUBLINK:
			if tl := v.SubLink.GetSubselect().GetSelectStmt().GetTargetList(); len(tl) == 1 {
				if rt := tl[0].GetResTarget(); rt.GetName() != "" {
					return rt.GetName()
				}
				return FigureColname(tl[0].GetResTarget().GetVal())
			}
		default:
		}
	default:
	}
	return "?column?"
}
