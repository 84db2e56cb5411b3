package resolve

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// item is a FROM item that a column reference can name: a relation, a
// subquery, a CTE, a function or a join with an alias.
type item struct {
	name     string // the range name: the alias, else the relation's name
	key      string // "schema.name" of a relation, "" for anything else
	id       int    // catalog ID of a relation, 0 when unknown
	relation bool   // a table or view, known or not
	cols     []itemCol
	complete bool // cols are all of the item's columns
}

// itemCol is a column of an item and the columns its value comes from.
type itemCol struct {
	name string
	from []Ref
}

// col returns the named column of it, nil when it has none.
func (it *item) col(name string) *itemCol {
	for i := range it.cols {
		if it.cols[i].name == name {
			return &it.cols[i]
		}
	}
	return nil
}

// columnRef returns the Ref of column name of a relation item, bound by
// name when the catalog does not know the column.
func (it *item) columnRef(name string) Ref {
	if c := it.col(name); c != nil && len(c.from) == 1 && c.from[0].Table == it.key {
		return c.from[0]
	}
	return Ref{Table: it.key, ID: it.id, Column: name}
}

// starCol is one column that a bare * stands for.
type starCol struct {
	qualifier string // the item's range name; "" for a column merged by USING
	name      string
	from      []Ref
}

// scope is one query level: the FROM items its names can refer to, and
// the levels around it for correlated references.
type scope struct {
	outer *scope
	ctes  *cteEnv
	items []*item
	// star is what a bare * stands for, in FROM order.
	star         []starCol
	starComplete bool
	// single reports a FROM clause of one plain item, whose columns a *
	// expansion needs not qualify.
	single bool
}

// cteEnv holds the CTEs that a query level can see.
type cteEnv struct {
	parent *cteEnv
	defs   map[string]query
}

func (e *cteEnv) lookup(name string) (query, bool) {
	for ; e != nil; e = e.parent {
		if q, ok := e.defs[name]; ok {
			return q, true
		}
	}
	return query{}, false
}

// query is the result of a query level: its output columns.
type query struct {
	cols     []Output
	complete bool
}

// find returns the item named name at the innermost level that has one.
func (sc *scope) find(name string) *item {
	for s := sc; s != nil; s = s.outer {
		for _, it := range s.items {
			if it.name == name {
				return it
			}
		}
	}
	return nil
}

// findKey returns the relation item with key at the innermost level.
func (sc *scope) findKey(key string) *item {
	for s := sc; s != nil; s = s.outer {
		for _, it := range s.items {
			if it.relation && it.key == key {
				return it
			}
		}
	}
	return nil
}

// from adds the items of a FROM clause to sc.
func (r *resolver) from(nodes []*pg.Node, sc *scope) {
	sc.starComplete = true
	sc.single = len(nodes) == 1 && nodes[0].GetJoinExpr() == nil
	for _, n := range nodes {
		cols, complete := r.fromItem(n, sc)
		sc.star = append(sc.star, cols...)
		sc.starComplete = sc.starComplete && complete
	}
}

// fromItem adds the items of one FROM entry to sc and returns the columns
// a * takes from it.
func (r *resolver) fromItem(n *pg.Node, sc *scope) ([]starCol, bool) {
	switch v := n.GetNode().(type) {
	case *pg.Node_RangeVar:
		it := r.rangeVar(v.RangeVar, sc.ctes)
		sc.items = append(sc.items, it)
		return itemStar(it), it.complete
	case *pg.Node_RangeSubselect:
		sub := &scope{outer: sc.outer, ctes: sc.ctes}
		if v.RangeSubselect.GetLateral() {
			sub = sc
		}
		q := r.subquery(v.RangeSubselect.GetSubquery(), sub)
		it := &item{name: v.RangeSubselect.GetAlias().GetAliasname(), complete: q.complete}
		for _, o := range q.cols {
			it.cols = append(it.cols, itemCol{name: o.Name, from: o.From})
		}
		applyAlias(it, v.RangeSubselect.GetAlias())
		sc.items = append(sc.items, it)
		return itemStar(it), it.complete
	case *pg.Node_RangeFunction:
		return r.rangeFunction(v.RangeFunction, sc)
	case *pg.Node_RangeTableSample:
		return r.fromItem(v.RangeTableSample.GetRelation(), sc)
	case *pg.Node_JoinExpr:
		return r.join(v.JoinExpr, sc)
	default:
		return nil, false
	}
}

// rangeVar returns the item for a relation or CTE named in FROM.
func (r *resolver) rangeVar(rv *pg.RangeVar, ctes *cteEnv) *item {
	if rv.GetSchemaname() == "" {
		if q, ok := ctes.lookup(rv.GetRelname()); ok {
			it := &item{name: rv.GetRelname(), complete: q.complete}
			for _, o := range q.cols {
				it.cols = append(it.cols, itemCol{name: o.Name, from: o.From})
			}
			applyAlias(it, rv.GetAlias())
			return it
		}
	}
	key := pgast.RelName(rv)
	it := &item{name: rv.GetRelname(), key: key, relation: true}
	if rel := r.relation(key); rel != nil {
		it.key, it.id, it.complete = rel.Key, rel.ID, rel.Complete
		for _, c := range rel.Columns {
			it.cols = append(it.cols, itemCol{name: c.Name, from: []Ref{{Table: rel.Key, ID: rel.ID, Column: c.Name, Num: c.Num}}})
		}
	}
	r.read(Ref{Table: it.key, ID: it.id})
	applyAlias(it, rv.GetAlias())
	return it
}

func (r *resolver) relation(key string) *Relation {
	if r.cat == nil {
		return nil
	}
	return r.cat.Relation(key)
}

// applyAlias gives it the alias's name and renames its leading columns
// to the alias's column names.
func applyAlias(it *item, a *pg.Alias) {
	if a.GetAliasname() != "" {
		it.name = a.GetAliasname()
	}
	for i, n := range pgast.Strings(a.GetColnames()) {
		if i < len(it.cols) {
			it.cols[i] = itemCol{name: n, from: it.cols[i].from}
		} else if !it.complete {
			it.cols = append(it.cols, itemCol{name: n})
		}
	}
}

// itemStar returns the columns a * takes from a plain item.
func itemStar(it *item) []starCol {
	out := make([]starCol, len(it.cols))
	for i, c := range it.cols {
		out[i] = starCol{qualifier: it.name, name: c.name, from: c.from}
	}
	return out
}

// rangeFunction adds a function in FROM. Its columns are known only from
// a column definition list; its arguments may refer to earlier items.
func (r *resolver) rangeFunction(rf *pg.RangeFunction, sc *scope) ([]starCol, bool) {
	name := ""
	for _, f := range rf.GetFunctions() {
		items := f.GetList().GetItems()
		if len(items) == 0 {
			continue
		}
		r.expr(items[0], sc)
		if fc := items[0].GetFuncCall(); fc != nil && name == "" {
			name = pgast.LastString(fc.GetFuncname())
		}
	}
	it := &item{name: name}
	for _, d := range rf.GetColdeflist() {
		it.cols = append(it.cols, itemCol{name: d.GetColumnDef().GetColname()})
	}
	it.complete = len(rf.GetColdeflist()) > 0
	applyAlias(it, rf.GetAlias())
	sc.items = append(sc.items, it)
	return itemStar(it), it.complete
}

// join adds both sides of a join. Columns named in USING, or common to
// both sides of a NATURAL join, appear once, first, unqualified.
func (r *resolver) join(j *pg.JoinExpr, sc *scope) ([]starCol, bool) {
	left, lok := r.fromItem(j.GetLarg(), sc)
	right, rok := r.fromItem(j.GetRarg(), sc)
	r.expr(j.GetQuals(), sc)
	using := pgast.Strings(j.GetUsingClause())
	if j.GetIsNatural() {
		using = nil
		for _, l := range left {
			for _, rc := range right {
				if l.name == rc.name {
					using = append(using, l.name)
				}
			}
		}
	}
	merged := map[string]bool{}
	var out []starCol
	for _, name := range using {
		merged[name] = true
		sc := starCol{name: name}
		for _, c := range append(append([]starCol{}, left...), right...) {
			if c.name == name {
				sc.from = append(sc.from, c.from...)
			}
		}
		out = append(out, sc)
	}
	for _, c := range append(append([]starCol{}, left...), right...) {
		if !merged[c.name] {
			out = append(out, c)
		}
	}
	complete := lok && rok
	for _, a := range []*pg.Alias{j.GetJoinUsingAlias(), j.GetAlias()} {
		if a.GetAliasname() == "" {
			continue
		}
		it := &item{name: a.GetAliasname(), complete: complete}
		for _, c := range out {
			if a == j.GetAlias() || merged[c.name] {
				it.cols = append(it.cols, itemCol{name: c.name, from: c.from})
			}
		}
		sc.items = append(sc.items, it)
	}
	return out, complete
}

// columnRef binds a column reference: the columns it stands for (all the
// columns of an item for t.* or a whole-row reference t), or nil when it
// names nothing the scope knows (a PL/pgSQL variable, say).
func (r *resolver) columnRef(cr *pg.ColumnRef, sc *scope) []Ref {
	fields := cr.GetFields()
	star := len(fields) > 0 && fields[len(fields)-1].GetAStar() != nil
	names := pgast.Strings(fields)
	if star {
		if len(names) == 0 {
			var out []Ref
			for _, c := range sc.star {
				out = append(out, c.from...)
			}
			return out
		}
		return itemRefs(sc.find(names[len(names)-1]))
	}
	switch len(names) {
	case 0:
		return nil
	case 1:
		return r.bareColumn(names[0], sc)
	default:
		col := names[len(names)-1]
		var it *item
		if len(names) == 2 {
			it = sc.find(names[0])
		} else {
			it = sc.findKey(names[len(names)-3] + "." + names[len(names)-2])
		}
		if it == nil {
			return nil // a field of a record variable or composite column, say
		}
		if c := it.col(col); c != nil {
			return c.from
		}
		if !it.complete && it.relation {
			return []Ref{{Table: it.key, ID: it.id, Column: col}}
		}
		return nil
	}
}

// bareColumn binds an unqualified name: to the column of that name in the
// innermost level that has one, or, when that level has exactly one item
// whose columns the catalog does not know, to that item by name.
func (r *resolver) bareColumn(name string, sc *scope) []Ref {
	for s := sc; s != nil; s = s.outer {
		var out []Ref
		var unknown []*item
		for _, it := range s.items {
			if c := it.col(name); c != nil {
				out = append(out, c.from...)
			} else if !it.complete {
				unknown = append(unknown, it)
			}
		}
		if len(out) > 0 {
			return out
		}
		if it := s.find(name); it != nil && it.col(name) == nil {
			return itemRefs(it) // a whole-row reference: SELECT t FROM t
		}
		if len(unknown) == 1 && unknown[0].relation {
			return []Ref{{Table: unknown[0].key, ID: unknown[0].id, Column: name}}
		}
		if len(unknown) > 0 {
			return nil
		}
	}
	return nil
}

// itemRefs returns the columns of an item, or the relation as a whole
// when its columns are unknown.
func itemRefs(it *item) []Ref {
	if it == nil {
		return nil
	}
	var out []Ref
	for _, c := range it.cols {
		out = append(out, c.from...)
	}
	if len(out) == 0 && it.relation {
		out = append(out, Ref{Table: it.key, ID: it.id})
	}
	return out
}
