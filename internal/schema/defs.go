package schema

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file keeps the definitions of indexes and constraints (Index.Def,
// Constraint.Def) true when a column of their table is renamed: they are
// the parse trees of the statements that made them, which many catalogs
// share, so a rename works on a copy.

// RenamedInIndex returns a copy of def with column old named name, nil
// for nil: the definition of an index after the rename, or of the same
// index on another column.
func RenamedInIndex(def *pg.IndexStmt, old, name string) *pg.IndexStmt {
	if def == nil {
		return nil
	}
	cp := proto.Clone(def).(*pg.IndexStmt)
	for _, p := range append(append([]*pg.Node{}, cp.GetIndexParams()...), cp.GetIndexIncludingParams()...) {
		renameColumnRefs(p, old, name)
	}
	renameColumnRefs(cp.GetWhereClause(), old, name)
	return cp
}

// RenamedInConstraint returns a copy of def with column old of its table
// named name, nil for nil. The columns a foreign key references belong to
// the other table and keep their names.
func RenamedInConstraint(def *pg.Constraint, old, name string) *pg.Constraint {
	if def == nil {
		return nil
	}
	cp := proto.Clone(def).(*pg.Constraint)
	for _, list := range [][]*pg.Node{cp.GetKeys(), cp.GetFkAttrs(), cp.GetIncluding(), cp.GetFkDelSetCols()} {
		for _, n := range list {
			if s := n.GetString_(); s != nil && s.GetSval() == old {
				s.Sval = name
			}
		}
	}
	renameColumnRefs(cp.GetRawExpr(), old, name)
	for _, ex := range cp.GetExclusions() {
		renameColumnRefs(ex, old, name)
	}
	renameColumnRefs(cp.GetWhereClause(), old, name)
	return cp
}

// renameColumnRefs renames column old to name, in place, wherever the
// tree below root names it: an index element, or a column reference
// (bare or qualified, the last name being the column's).
func renameColumnRefs(root *pg.Node, old, name string) {
	pgast.Walk(root, func(n *pg.Node) bool {
		switch {
		case n.GetIndexElem() != nil && n.GetIndexElem().GetName() == old:
			n.GetIndexElem().Name = name
		case n.GetColumnRef() != nil:
			fields := n.GetColumnRef().GetFields()
			if len(fields) > 0 {
				if s := fields[len(fields)-1].GetString_(); s != nil && s.GetSval() == old {
					s.Sval = name
				}
			}
			return false
		default:
		}
		return true
	})
}
