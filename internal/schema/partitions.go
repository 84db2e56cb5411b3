package schema

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// This file gives partitions what their partitioned parent has.

// inheritFromParent gives partition part the constraints and indexes of
// its partitioned parent, as PostgreSQL does when a partition is created
// or attached, or when the parent gets them later: CHECK constraints and
// foreign keys under the parent's names, keys and indexes under names
// chosen for the partition. What part already has (a constraint of the
// same name, an index on the same columns) is kept.
func (c *Catalog) inheritFromParent(part, parent *Table) {
	for _, con := range parent.Constraints {
		switch con.Type {
		case pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
			if part.Constraint(con.Name) == nil {
				cp := *con
				part.Constraints = append(part.Constraints, &cp)
			}
		default:
			if c.hasIndexOn(part, con.Columns) {
				continue
			}
			name := c.constraintName(part, con.Type, con.Columns, nil)
			cp := *con
			cp.Name = name
			part.Constraints = append(part.Constraints, &cp)
			c.setIndex(indexKey(part.Key, name), &Index{Name: name, Table: part.Key, Columns: con.Columns, Unique: con.Type != pg.ConstrType_CONSTR_EXCLUSION, Constraint: name, uses: con.Columns})
		}
	}
	for _, ix := range c.Indexes(parent.Key) {
		if ix.Constraint != "" || c.hasIndexOn(part, ix.Columns) {
			continue
		}
		names := make([]string, len(ix.Columns))
		for i, col := range ix.Columns {
			names[i] = col
			if col == "" {
				names[i] = "expr"
			}
		}
		name := c.chooseName(part, strings.Join(names, "_"), "idx", true)
		c.setIndex(indexKey(part.Key, name), &Index{Name: name, Table: part.Key, Columns: ix.Columns, Unique: ix.Unique, uses: ix.uses})
	}
}

// hasIndexOn reports whether t has an index on exactly cols, in order.
func (c *Catalog) hasIndexOn(t *Table, cols []string) bool {
	for _, ix := range c.Indexes(t.Key) {
		if strings.Join(ix.Columns, "\x00") == strings.Join(cols, "\x00") {
			return true
		}
	}
	return false
}

// propagate gives the partitions of a partitioned table what it has, for
// a constraint or index added to it without ONLY.
func (c *Catalog) propagate(t *Table) {
	if !t.Partitioned {
		return
	}
	for _, part := range c.Tables() {
		if part.PartitionOf == t.Key {
			p := c.mutable(part.Key)
			c.inheritFromParent(p, t)
			c.propagate(p)
		}
	}
}
