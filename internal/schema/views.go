package schema

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// createView replays CREATE [OR REPLACE] VIEW. A replaced view keeps its
// ID; its columns and what it reads are those of the new query.
func (r *replay) createView(st *pg.ViewStmt) {
	key := pgast.RelName(st.GetView())
	if key == "" {
		return
	}
	cols, reads, complete := r.defineQuery(st.GetQuery(), pgast.Strings(st.GetAliases()))
	t := r.newTable(key, KindView)
	if old := r.c.Table(key); old != nil && st.GetReplace() {
		t.ID = old.ID
	}
	r.define(t, cols, reads, complete)
	t.View = st
	r.note(TableCreated, t, nil, "")
}

// forgetViews forgets the definitions of the views that read column col
// of table (any of it when col is 0): the statements that created them
// name what a rename has just renamed.
func (r *replay) forgetViews(table, col int) {
	for _, v := range r.c.Tables() {
		if v.View != nil && dependsOn(v.Reads, table, col) {
			r.c.mutable(v.Key).View = nil
		}
	}
}

// createTableAs replays CREATE TABLE AS and CREATE MATERIALIZED VIEW. A
// materialized view depends on what it reads; a table copy does not.
func (r *replay) createTableAs(st *pg.CreateTableAsStmt) {
	key := pgast.RelName(st.GetInto().GetRel())
	if key == "" || (st.GetIfNotExists() && r.c.Table(key) != nil) {
		return
	}
	kind := KindTable
	if st.GetObjtype() == pg.ObjectType_OBJECT_MATVIEW {
		kind = KindMatView
	}
	cols, reads, complete := r.defineQuery(st.GetQuery(), pgast.Strings(st.GetInto().GetColNames()))
	if kind == KindTable {
		reads = nil
	}
	t := r.newTable(key, kind)
	r.define(t, cols, reads, complete)
	r.note(TableCreated, t, nil, "")
}

// selectInto replays SELECT ... INTO new_table, which creates a table.
func (r *replay) selectInto(st *pg.SelectStmt) {
	key := pgast.RelName(st.GetIntoClause().GetRel())
	if key == "" {
		return
	}
	cols, _, complete := r.defineQuery(&pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: st}}, pgast.Strings(st.GetIntoClause().GetColNames()))
	t := r.newTable(key, KindTable)
	r.define(t, cols, nil, complete)
	r.note(TableCreated, t, nil, "")
}

// define gives t its columns and reads and puts it in the catalog.
func (r *replay) define(t *Table, cols []*Column, reads []Dep, complete bool) {
	for _, col := range cols {
		t.newColumn(col)
	}
	t.Reads, t.Unknown = reads, !complete
	r.c.put(t)
}

// defineQuery resolves the query of a view or CREATE TABLE AS: its output
// columns (renamed by aliases) and what it reads, and whether the columns
// are all known.
func (r *replay) defineQuery(q *pg.Node, aliases []string) ([]*Column, []Dep, bool) {
	res := resolve.Statement(q, r.c)
	cols := make([]*Column, len(res.Outputs))
	for i, o := range res.Outputs {
		cols[i] = &Column{Name: o.Name}
		if i < len(aliases) {
			cols[i].Name = aliases[i]
		}
	}
	return cols, r.bind(res.Reads), res.OutputsComplete
}

// bind turns what a view or SQL-standard body reads into dependencies,
// adding Unknown placeholders for relations and columns that the history
// never created, so that a later change to them finds the dependent.
func (r *replay) bind(refs []resolve.Ref) []Dep {
	var deps []Dep
	seen := map[Dep]bool{}
	for _, ref := range refs {
		if ref.Table == "" || isSystem(ref.Table) {
			continue
		}
		d := Dep{Table: ref.ID, Column: ref.Num}
		if ref.ID == 0 || (ref.Num == 0 && ref.Column != "") {
			t := r.placeholder(ref.Table)
			d.Table = t.ID
			if ref.Column != "" {
				col := t.Column(ref.Column)
				if col == nil {
					col = t.newColumn(&Column{Name: ref.Column})
				}
				d.Column = col.Num
			}
		}
		if !seen[d] {
			seen[d] = true
			deps = append(deps, d)
		}
	}
	return deps
}

// isSystem reports a relation of PostgreSQL's own catalogs, which never
// gets a placeholder.
func isSystem(key string) bool {
	s, name := pgast.SchemaOf(key), pgast.ObjectName(key)
	return s == "pg_catalog" || s == "information_schema" || strings.HasPrefix(name, "pg_")
}

// dropDependents drops, as CASCADE does, the views, materialized views
// and SQL-standard functions that depend on column col of table (on any
// of it when col is 0), and what depends on those in turn.
func (r *replay) dropDependents(table, col int) {
	for _, t := range r.c.Tables() {
		if dependsOn(t.Reads, table, col) {
			r.dropTable(t.Key, true)
		}
	}
	for _, f := range r.c.Functions("") {
		if dependsOn(f.Reads, table, col) {
			r.c.functions.del(f.Signature())
		}
	}
}
