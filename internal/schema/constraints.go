package schema

import (
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file replays constraints and indexes: adding them under the names
// PostgreSQL gives, and dropping them with what depends on them.

// addConstraint records a table constraint; cols are the column of a
// column constraint, nil for a table constraint.
func (c *Catalog) addConstraint(t *Table, con *pg.Constraint, cols []string) {
	keys := pgast.Strings(con.GetKeys())
	if len(keys) == 0 {
		keys = cols
	}
	ct := con.GetContype()
	switch ct {
	case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_EXCLUSION,
		pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
	default:
		return
	}
	if ct == pg.ConstrType_CONSTR_FOREIGN && len(keys) == 0 {
		keys = pgast.Strings(con.GetFkAttrs())
		if len(keys) == 0 {
			keys = cols
		}
	}
	var reads []string
	if ct == pg.ConstrType_CONSTR_CHECK {
		reads = pgast.ColumnRefs(con.GetRawExpr())
		if len(reads) == 0 {
			reads = cols
		}
	}
	if ct == pg.ConstrType_CONSTR_EXCLUSION {
		keys = nil
		for _, ex := range con.GetExclusions() {
			if items := ex.GetList().GetItems(); len(items) > 0 {
				keys = append(keys, items[0].GetIndexElem().GetName())
			}
		}
	}
	if ix := con.GetIndexname(); ix != "" && len(keys) == 0 {
		// USING INDEX: the constraint's keys are the index's.
		if idx := c.indexes.get(indexKey(t.Key, ix)); idx != nil {
			keys = append([]string(nil), idx.Columns...)
		}
	}
	name := con.GetConname()
	if name == "" {
		name = c.constraintName(t, ct, keys, reads)
	}
	if ct == pg.ConstrType_CONSTR_CHECK {
		keys = reads
	}
	rec := &Constraint{Name: name, Type: ct, Columns: keys, Validated: !con.GetSkipValidation(), Uses: append(append([]string{}, keys...), reads...), Def: con}
	switch ct {
	case pg.ConstrType_CONSTR_CHECK:
		rec.NotNullOf = NotNullCheckColumn(con.GetRawExpr())
	case pg.ConstrType_CONSTR_FOREIGN:
		rec.References = pgast.RelName(con.GetPktable())
		rec.RefColumns = pgast.Strings(con.GetPkAttrs())
		if ref := c.Table(rec.References); ref != nil && len(rec.RefColumns) == 0 {
			for _, pk := range ref.Constraints {
				if pk.Type == pg.ConstrType_CONSTR_PRIMARY {
					rec.RefColumns = pk.Columns
				}
			}
		}
	default:
	}
	// PostgreSQL keeps one constraint of a name per table; a replay that
	// meets the name again (a history the catalog only partly knows)
	// keeps the later one.
	for i, old := range t.Constraints {
		if old.Name == name {
			t.Constraints = append(t.Constraints[:i:i], t.Constraints[i+1:]...)
			break
		}
	}
	t.Constraints = append(t.Constraints, rec)
	if ct == pg.ConstrType_CONSTR_PRIMARY {
		for _, k := range keys {
			if col := t.Column(k); col != nil {
				col.NotNull = true
			}
		}
	}
	if ct == pg.ConstrType_CONSTR_PRIMARY || ct == pg.ConstrType_CONSTR_UNIQUE || ct == pg.ConstrType_CONSTR_EXCLUSION {
		// An index named in USING INDEX takes the constraint's name.
		if ix := con.GetIndexname(); ix != "" {
			c.delIndex(indexKey(t.Key, ix))
		}
		c.setIndex(indexKey(t.Key, name), &Index{Name: name, Table: t.Key, Columns: keys, Unique: ct != pg.ConstrType_CONSTR_EXCLUSION, Constraint: name, uses: keys})
	}
}

// NotNullCheckColumn returns c when expr is "c IS NOT NULL", else "".
func NotNullCheckColumn(expr *pg.Node) string {
	nt := expr.GetNullTest()
	if nt == nil || nt.GetNulltesttype() != pg.NullTestType_IS_NOT_NULL {
		return ""
	}
	return pgast.LastString(nt.GetArg().GetColumnRef().GetFields())
}

// dropConstraint drops a constraint of t and the index behind it; with
// CASCADE, also the foreign keys that rely on that index.
func (r *replay) dropConstraint(t *Table, name string, cascade bool) {
	for i, con := range t.Constraints {
		if con.Name == name {
			t.Constraints = append(t.Constraints[:i:i], t.Constraints[i+1:]...)
			break
		}
	}
	if ix := r.c.indexes.get(indexKey(t.Key, name)); ix != nil && ix.Constraint == name {
		r.dropIndex(indexKey(t.Key, name), cascade)
	}
}

// dropIndex drops an index; with CASCADE, also the foreign keys whose
// referenced columns it covers, which PostgreSQL makes depend on it.
func (r *replay) dropIndex(key string, cascade bool) {
	ix := r.c.indexes.get(key)
	if ix == nil {
		return
	}
	r.c.delIndex(key)
	if !cascade || !ix.Unique {
		return
	}
	for _, t := range r.c.Tables() {
		for _, con := range t.Constraints {
			if con.Type == pg.ConstrType_CONSTR_FOREIGN && con.References == ix.Table && sameSet(con.RefColumns, ix.Columns) {
				r.dropConstraint(r.c.mutable(t.Key), con.Name, false)
			}
		}
	}
}

// sameSet reports whether a and b hold the same names, in any order.
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

func (c *Catalog) createIndex(st *pg.IndexStmt) {
	table := pgast.RelName(st.GetRelation())
	if table == "" {
		return
	}
	var cols, uses []string
	for _, p := range st.GetIndexParams() {
		el := p.GetIndexElem()
		cols = append(cols, el.GetName())
		uses = append(uses, el.GetName())
		uses = append(uses, pgast.ColumnRefs(el.GetExpr())...)
	}
	for _, p := range st.GetIndexIncludingParams() {
		uses = append(uses, p.GetIndexElem().GetName())
	}
	uses = append(uses, pgast.ColumnRefs(st.GetWhereClause())...)
	name := st.GetIdxname()
	if name == "" {
		t := c.Table(table)
		if t == nil {
			t = &Table{Key: table}
		}
		name = c.chooseName(t, indexNameAddition(st), "idx", true)
	}
	if st.GetIfNotExists() && c.indexes.get(indexKey(table, name)) != nil {
		return
	}
	c.setIndex(indexKey(table, name), &Index{Name: name, Table: table, Columns: cols, Unique: st.GetUnique(), Partial: st.GetWhereClause() != nil, Def: st, uses: uses})
	if t := c.Table(table); t != nil && st.GetRelation().GetInh() {
		c.propagate(t)
	}
}

// DefaultIndexName returns the name PostgreSQL gives an index that st
// creates without naming it (ChooseIndexName): the table, the column
// names (the function name, or "expr", for an expression, and the INCLUDE
// columns too) and "idx", joined with "_" and shortened to fit 63 bytes.
// When that name is taken, PostgreSQL adds a number to "idx".
func DefaultIndexName(st *pg.IndexStmt) string {
	return objectName(pgast.ObjectName(pgast.RelName(st.GetRelation())), indexNameAddition(st), "idx")
}

// indexNameAddition joins the names of an index's columns with "_", as
// ChooseIndexColumnNames and ChooseIndexNameAddition do.
func indexNameAddition(st *pg.IndexStmt) string {
	var names []string
	for _, p := range append(append([]*pg.Node{}, st.GetIndexParams()...), st.GetIndexIncludingParams()...) {
		el := p.GetIndexElem()
		switch {
		case el.GetIndexcolname() != "":
			names = append(names, el.GetIndexcolname())
		case el.GetName() != "":
			names = append(names, el.GetName())
		case el.GetExpr().GetFuncCall() != nil:
			names = append(names, pgast.LastString(el.GetExpr().GetFuncCall().GetFuncname()))
		default:
			names = append(names, "expr")
		}
	}
	return strings.Join(names, "_")
}
