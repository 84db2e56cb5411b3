package schema

import (
	"sort"

	"github.com/pgsafe/pgsafe/internal/resolve"
)

// This file answers what depends on a table or column: the views and
// functions that a DROP, RENAME or type change reaches.

// Dependent is a view or function that depends on a table or column.
type Dependent struct {
	// Kind is "view", "materialized view", "function" or "procedure".
	Kind string
	// Key is the "schema.name" of the view or function, and Name the
	// view's key or the function's signature.
	Key, Name string
	// File and Line say where it was created, and Start and End are the
	// bytes of the statement there (both 0 when not known).
	File       string
	Line       int
	Start, End int
	// Bound reports that PostgreSQL records the dependency (a view, a
	// materialized view or a SQL-standard function body): dropping or
	// changing the type of what it reads fails, or CASCADE drops it. A
	// string body is bound only when called, so PostgreSQL lets the change
	// through and the function fails at its next call.
	Bound bool
}

// Dependents returns the views, materialized views and functions that
// read column col of table (the table's ID and the column's Num), or any
// part of table when col is 0, sorted by file and line. Functions with a
// string body are bound by name against c, as PostgreSQL would bind them
// if called now.
func (c *Catalog) Dependents(table, col int) []Dependent {
	var out []Dependent
	for _, t := range c.tables.values() {
		if t.Kind != KindTable && dependsOn(t.Reads, table, col) {
			out = append(out, Dependent{Kind: t.Kind.String(), Key: t.Key, Name: t.Key, File: t.File, Line: t.Line, Start: t.Start, End: t.End, Bound: true})
		}
	}
	for _, f := range c.functions.values() {
		kind := "function"
		if f.Procedure {
			kind = "procedure"
		}
		switch {
		case f.Body.Atomic && dependsOn(f.Reads, table, col):
			out = append(out, Dependent{Kind: kind, Key: f.Key, Name: f.Signature(), File: f.File, Line: f.Line, Start: f.Start, End: f.End, Bound: true})
		case !f.Body.Atomic && c.bodyReads(f, table, col):
			out = append(out, Dependent{Kind: kind, Key: f.Key, Name: f.Signature(), File: f.File, Line: f.Line, Start: f.Start, End: f.End})
		default:
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Name < b.Name
	})
	return out
}

// bodyReads reports whether a string body, bound by name against c,
// names column col of table (any part of it when col is 0).
func (c *Catalog) bodyReads(f *Function, table, col int) bool {
	for _, q := range f.Body.Queries {
		for _, ref := range resolve.Statement(q.Node, c).Names() {
			if ref.ID == table && (col == 0 || ref.Num == col) {
				return true
			}
		}
	}
	return false
}

// dependsOn reports whether deps name column col of table, or any part
// of table when col is 0. A dependency on the table as a whole (from
// naming it in FROM) does not stop a column that is not read from being
// dropped.
func dependsOn(deps []Dep, table, col int) bool {
	for _, d := range deps {
		if d.Table == table && (col == 0 || d.Column == col) {
			return true
		}
	}
	return false
}
