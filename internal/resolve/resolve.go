// Package resolve binds the names in a query to the relations and columns
// of a catalog: which columns the query reads, what each of its output
// columns is computed from, what every * stands for, and which columns an
// INSERT or UPDATE fills from which.
//
// It knows PostgreSQL's scoping rules well enough for migrations and
// application queries: FROM items with aliases and column aliases, joins
// (USING and NATURAL merge their columns), subqueries, LATERAL, CTEs,
// set operations, VALUES and correlated subqueries. What it cannot bind
// (a PL/pgSQL variable, a function's result columns, a relation that the
// catalog does not know) it leaves unbound, or binds by name alone, and
// marks the result incomplete where that matters.
package resolve

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// Column is one column of a relation, as resolution sees it.
type Column struct {
	Name string
	// Num identifies the column within its relation for the relation's
	// life (as attnum does): a rename keeps it.
	Num int
}

// Relation is a table, view or materialized view that a query can name.
type Relation struct {
	Key     string // "schema.name"
	ID      int    // identifies the relation for its life; a rename keeps it
	Columns []Column
	// Complete reports whether Columns are all of the relation's columns.
	// It is false for a relation created outside the migration history.
	Complete bool
}

// Catalog finds relations by "schema.name" key.
type Catalog interface {
	// Relation returns the relation with key, nil when there is none.
	Relation(key string) *Relation
}

// Ref is a column, or a whole relation, that a query refers to.
type Ref struct {
	// Table is the relation's "schema.name" key: the catalog's, or the
	// name as written when the catalog does not know the relation.
	Table string
	// ID is the relation's catalog ID, 0 when the catalog does not know it.
	ID int
	// Column is the column's name, "" for the relation as a whole.
	Column string
	// Num is the column's number, 0 when unknown or for the whole relation.
	Num int
}

// StarColumn is one of the columns that a * stands for.
type StarColumn struct {
	// Qualifier is the range name to write before the column ("a" for
	// a.id), "" when the column needs none.
	Qualifier string
	Name      string
	// From are the columns the value comes from.
	From []Ref
}

// Star is a * or t.* in a select list or RETURNING list.
type Star struct {
	// Location is the byte offset of the reference: of * or of t in t.*.
	Location int32
	// Qualified reports a t.* rather than a bare *.
	Qualified bool
	// Returning reports a * in a RETURNING list.
	Returning bool
	// Columns are what the star stands for, in order.
	Columns []StarColumn
	// Complete reports whether Columns are known to be all of them.
	Complete bool
	// Tables are the catalog relations whose columns the star takes.
	Tables []Ref
}

// Output is one column of a query's result.
type Output struct {
	Name string
	// From are the columns the value is computed from.
	From []Ref
}

// Write is a column that an INSERT or UPDATE sets, with the columns its
// new value comes from.
type Write struct {
	Column Ref
	From   []Ref
}

// Result is what a statement refers to.
type Result struct {
	// Reads are the columns and relations the statement reads anywhere
	// (select list, joins, WHERE, subqueries), each once, in order. A
	// relation read as a whole (SELECT count(*) FROM t) has a Ref with no
	// Column.
	Reads []Ref
	// Stars are the * and t.* of the statement, in order.
	Stars []Star
	// Outputs are the result columns of a SELECT or VALUES, or of a
	// RETURNING list.
	Outputs []Output
	// OutputsComplete reports that Outputs are all of the result columns
	// (no * stands for columns the catalog does not know).
	OutputsComplete bool
	// Target is the relation an INSERT, UPDATE or DELETE changes.
	Target Ref
	// Writes are the columns an INSERT or UPDATE sets.
	Writes []Write
	// Positional reports an INSERT that names no columns, so that its
	// values fill the target's columns by position.
	Positional bool
	// Values is the number of values each row of an INSERT gives, -1 when
	// a * over columns the catalog does not know makes it unknown.
	Values int
}

// Statement resolves one statement: SELECT, VALUES, INSERT, UPDATE,
// DELETE, or the RETURN of a SQL-standard function body. For any other
// statement the result is empty.
func Statement(n *pg.Node, cat Catalog) *Result {
	r := &resolver{cat: cat, res: &Result{}, seen: map[Ref]bool{}}
	switch s := n.GetNode().(type) {
	case *pg.Node_SelectStmt:
		out := r.selectStmt(s.SelectStmt, nil)
		r.res.Outputs, r.res.OutputsComplete = out.cols, out.complete
	case *pg.Node_InsertStmt:
		r.insertStmt(s.InsertStmt, nil)
	case *pg.Node_UpdateStmt:
		r.updateStmt(s.UpdateStmt, nil)
	case *pg.Node_DeleteStmt:
		r.deleteStmt(s.DeleteStmt, nil)
	case *pg.Node_ReturnStmt:
		refs := r.expr(s.ReturnStmt.GetReturnval(), &scope{})
		r.res.Outputs, r.res.OutputsComplete = []Output{{Name: FigureColname(s.ReturnStmt.GetReturnval()), From: refs}}, true
	default:
	}
	return r.res
}

type resolver struct {
	cat  Catalog
	res  *Result
	seen map[Ref]bool
	// hideStars counts the EXISTS subqueries being resolved, whose stars
	// are not recorded.
	hideStars int
}

// read records a reference among the statement's reads.
func (r *resolver) read(refs ...Ref) {
	for _, ref := range refs {
		if !r.seen[ref] {
			r.seen[ref] = true
			r.res.Reads = append(r.res.Reads, ref)
		}
	}
}

// Names returns every column and relation the statement names: what it
// reads, the relation it changes and the columns it sets.
func (res *Result) Names() []Ref {
	out := append([]Ref{}, res.Reads...)
	if res.Target.Table != "" {
		out = append(out, res.Target)
	}
	for _, w := range res.Writes {
		out = append(out, w.Column)
	}
	return out
}
