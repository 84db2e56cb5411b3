// Package schema replays migrations into an in-memory catalog, so that
// rules know, at any point of the migration history, which tables, columns,
// indexes and constraints exist.
//
// The catalog is copy-on-write: Clone is cheap, and a change to a table
// replaces that table's struct, so clones taken earlier never see it.
package schema

import (
	"maps"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Kind says what sort of relation a Table is.
type Kind int

// The relation kinds.
const (
	KindTable Kind = iota
	KindView
	KindMatView
)

// Column is one column of a table.
type Column struct {
	Name    string
	Type    string  // without pg_catalog, e.g. "varchar", "int4", "text[]"
	Mods    []int32 // constant type modifiers, e.g. [255] for varchar(255)
	NotNull bool
}

// Index is an index, standalone or behind a constraint.
type Index struct {
	Name       string
	Table      string   // "schema.name" key
	Columns    []string // key columns; "" for an expression
	Unique     bool
	Partial    bool   // the index has a WHERE clause
	Constraint string // the constraint it backs, "" when none
}

// Constraint is a table constraint.
type Constraint struct {
	Name      string
	Type      pg.ConstrType
	Columns   []string
	Validated bool
	// NotNullOf is the column c of a CHECK (c IS NOT NULL), "" otherwise.
	NotNullOf string
	// References is the "schema.name" key of the table a FOREIGN KEY
	// references, "" for other constraints.
	References string
}

// Table is a table, view or materialized view.
type Table struct {
	Key         string // "schema.name"
	Kind        Kind
	Partitioned bool
	PartitionOf string // parent key for a partition
	Columns     []*Column
	Constraints []*Constraint
	// File is the path of the migration that created it.
	File string
	// Unknown marks a table created outside the replayed migrations: the
	// catalog knows only what the migrations did to it, not its columns,
	// indexes or constraints from before.
	Unknown bool
}

// Column returns the named column, nil when the table has none.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Constraint returns the named constraint, nil when the table has none.
func (t *Table) Constraint(name string) *Constraint {
	for _, c := range t.Constraints {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (t *Table) clone() *Table {
	c := *t
	c.Columns = make([]*Column, len(t.Columns))
	for i, col := range t.Columns {
		cc := *col
		c.Columns[i] = &cc
	}
	c.Constraints = make([]*Constraint, len(t.Constraints))
	for i, con := range t.Constraints {
		cc := *con
		c.Constraints[i] = &cc
	}
	return &c
}

// Catalog is the schema at one point of the migration history.
type Catalog struct {
	tables  map[string]*Table
	indexes map[string]*Index // "schema.name" key of the index
	owned   map[string]bool   // table keys this catalog may change in place
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{tables: map[string]*Table{}, indexes: map[string]*Index{}, owned: map[string]bool{}}
}

// Clone returns a catalog that starts equal to c and changes independently.
func (c *Catalog) Clone() *Catalog {
	n := &Catalog{tables: maps.Clone(c.tables), indexes: maps.Clone(c.indexes), owned: map[string]bool{}}
	c.owned = map[string]bool{} // both now share every table: copy before changing
	return n
}

// Table returns the relation with key "schema.name", nil when unknown.
func (c *Catalog) Table(key string) *Table {
	if c == nil {
		return nil
	}
	return c.tables[key]
}

// Index returns the index with key "schema.name", nil when unknown.
func (c *Catalog) Index(key string) *Index {
	if c == nil {
		return nil
	}
	return c.indexes[key]
}

// Indexes returns the indexes of table key.
func (c *Catalog) Indexes(table string) []*Index {
	var out []*Index
	for _, ix := range c.indexes {
		if ix.Table == table {
			out = append(out, ix)
		}
	}
	return out
}

// References returns the tables that the foreign keys of table key
// reference, sorted, without key itself.
func (c *Catalog) References(key string) []string {
	set := map[string]bool{}
	if t := c.Table(key); t != nil {
		for _, con := range t.Constraints {
			if con.References != "" && con.References != key {
				set[con.References] = true
			}
		}
	}
	return sortedKeys(set)
}

// ReferencedBy returns the tables whose foreign keys reference table key,
// sorted, without key itself.
func (c *Catalog) ReferencedBy(key string) []string {
	set := map[string]bool{}
	if c != nil {
		for k, t := range c.tables {
			for _, con := range t.Constraints {
				if con.References == key && k != key {
					set[k] = true
				}
			}
		}
	}
	return sortedKeys(set)
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// mutable returns a table that c may change, copying it first if shared.
func (c *Catalog) mutable(key string) *Table {
	t := c.tables[key]
	if t == nil {
		return nil
	}
	if !c.owned[key] {
		t = t.clone()
		c.tables[key] = t
		c.owned[key] = true
	}
	return t
}

func (c *Catalog) put(t *Table) {
	c.tables[t.Key] = t
	c.owned[t.Key] = true
}

func indexKey(schemaOf, name string) string {
	s := pgast.DefaultSchema
	if i := strings.IndexByte(schemaOf, '.'); i > 0 {
		s = schemaOf[:i]
	}
	return s + "." + name
}
