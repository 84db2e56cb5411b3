// Package schema replays migrations into an in-memory catalog, so that
// rules know, at any point of the migration history, which schemas,
// tables, columns, indexes, constraints, views, functions, sequences and
// enums exist, and what depends on what.
//
// The catalog is copy-on-write: Clone is cheap, and a change replaces the
// changed object (and, the first time, the map holding it), so clones
// taken earlier never see it.
//
// Objects that the history never created but that statements alter or
// read are kept as placeholders marked Unknown: what the catalog knows of
// them is only what those statements say.
package schema

import (
	"slices"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/funcbody"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// Kind says what sort of relation a Table is.
type Kind int

// The relation kinds.
const (
	KindTable Kind = iota
	KindView
	KindMatView
)

// String names the kind for messages: "table", "view", "materialized view".
func (k Kind) String() string {
	switch k {
	case KindView:
		return "view"
	case KindMatView:
		return "materialized view"
	default:
		return "table"
	}
}

// Column is one column of a table or view.
type Column struct {
	Name string
	Type string  // without pg_catalog, e.g. "varchar", "int4", "text[]"; "" when unknown (a view's)
	Mods []int32 // constant type modifiers, e.g. [255] for varchar(255)
	// Decl is the type as SQL with its COLLATE clause, as a column
	// declaration writes it ("varchar(20) COLLATE \"C\"", "integer" for a
	// serial); "" when unknown.
	Decl    string
	NotNull bool
	// Num identifies the column within its table for the table's life, as
	// attnum does: a rename keeps it, and a dropped column's number is
	// never given to another.
	Num int
	// Default is the DEFAULT expression as SQL, "" when there is none.
	Default string
	// Identity is "always" or "by default" for an identity column, else "".
	Identity string
	// Generated is the expression of a STORED generated column, else "".
	Generated string
}

// Index is an index, standalone or behind a constraint.
type Index struct {
	Name       string
	Table      string   // "schema.name" key
	Columns    []string // key columns; "" for an expression
	Unique     bool
	Partial    bool   // the index has a WHERE clause
	Constraint string // the constraint it backs, "" when none
	// Def is the CREATE INDEX statement that made it, with the columns
	// renamed since then under their new names; nil for an index behind a
	// constraint (see Constraint.Def). Shared: never change it.
	Def *pg.IndexStmt

	uses []string // every column it involves: keys, expressions, INCLUDE, WHERE
}

// Uses reports whether the index involves column col: as a key, in an
// expression, in INCLUDE or in its WHERE clause. Dropping col drops it.
func (ix *Index) Uses(col string) bool { return slices.Contains(ix.uses, col) }

// Constraint is a table constraint.
type Constraint struct {
	Name string
	Type pg.ConstrType
	// Columns are the key columns, the referencing columns of a foreign
	// key, or the columns a CHECK reads.
	Columns   []string
	Validated bool
	// NotNullOf is the column c of a CHECK (c IS NOT NULL), "" otherwise.
	NotNullOf string
	// References is the "schema.name" key of the table a FOREIGN KEY
	// references, and RefColumns the columns it references there; both
	// empty for other constraints.
	References string
	RefColumns []string
	// Uses are the columns the constraint depends on: its keys, or the
	// columns its CHECK expression reads. Dropping one drops it.
	Uses []string
	// Def is the constraint as written, with the columns of its table
	// renamed since then under their new names; a constraint written on a
	// column names no keys there (Columns does). Shared: never change it.
	Def *pg.Constraint
}

// Dep is a dependency of a view or function on a relation's column, or on
// the relation as a whole when Column is 0.
type Dep struct {
	Table  int // the relation's ID
	Column int // the column's Num, 0 for the relation as a whole
}

// Table is a table, view or materialized view.
type Table struct {
	Key         string // "schema.name"
	Kind        Kind
	Partitioned bool
	PartitionOf string // parent key for a partition
	Columns     []*Column
	Constraints []*Constraint
	// File is the path of the migration that created it, and Line the
	// line of the statement there; a table known only from a --schema
	// baseline has the baseline's path. Start and End are the
	// statement's bytes in File (both 0 when not known).
	File       string
	Line       int
	Start, End int
	// ID identifies the relation for its life: a rename keeps it.
	ID int
	// Unknown marks a relation created outside the history: the catalog
	// knows only what later statements say of it, and Columns may lack
	// some or be out of order.
	Unknown bool
	// Reads are what a view or materialized view reads, bound when it was
	// created, as PostgreSQL records them.
	Reads []Dep
	// View is the CREATE VIEW statement that defined a view, for writing it
	// again; nil for other relations, and once a relation or column that
	// the view reads is renamed or the view is altered, when the statement
	// no longer says what the view is. Shared: never change it.
	View *pg.ViewStmt

	lastNum int // the highest column Num given so far
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

// ColumnByNum returns the column with number num, nil when it has none.
func (t *Table) ColumnByNum(num int) *Column {
	for _, c := range t.Columns {
		if c.Num == num {
			return c
		}
	}
	return nil
}

// ColumnNames returns the names of the columns in order.
func (t *Table) ColumnNames() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
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

// newColumn appends a column with the next number.
func (t *Table) newColumn(c *Column) *Column {
	t.lastNum++
	c.Num = t.lastNum
	t.Columns = append(t.Columns, c)
	return c
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

// Function is a function or procedure.
type Function struct {
	Key  string   // "schema.name"
	Args []string // the types of the input arguments, as in Column.Type
	// Procedure reports CREATE PROCEDURE.
	Procedure bool
	Returns   string // the return type, "" for a procedure
	// Body is the function's body with its statements parsed.
	Body *funcbody.Body
	// Reads are what a SQL-standard body reads, bound at creation as for
	// a view. A string body is bound only when called; Dependents binds it
	// by name against the catalog at hand.
	Reads []Dep
	// File, Line, Start and End say where it was created, as for a
	// Table.
	File       string
	Line       int
	Start, End int
	ID         int
}

// Signature returns "schema.name(type, ...)", the function's identity.
func (f *Function) Signature() string { return signature(f.Key, f.Args) }

func signature(key string, args []string) string {
	return key + "(" + strings.Join(args, ", ") + ")"
}

// Sequence is a sequence, standalone or behind a serial or identity column.
type Sequence struct {
	Key string
	// OwnedBy is "schema.table.column" of the column that owns it, "".
	OwnedBy string
	File    string
	Line    int
}

// Enum is an enum type.
type Enum struct {
	Key    string
	Values []string
	File   string
	Line   int
}

// Schema is a schema that the history created.
type Schema struct {
	Name string
	File string
	Line int
}

// Catalog is the schema at one point of the migration history.
type Catalog struct {
	tables  cowMap[*Table]
	indexes cowMap[*Index] // "schema.name" key of the index
	// tableIndexes are the keys of each table's indexes, so that finding
	// them does not read every index; setIndex and delIndex keep them.
	tableIndexes cowMap[[]string]
	functions    cowMap[*Function] // by signature
	sequences    cowMap[*Sequence]
	enums        cowMap[*Enum]
	domains      cowMap[*Domain]
	schemas      cowMap[*Schema]
	owned        map[string]bool // table keys this catalog may change in place
	lastID       int             // the highest object ID given so far
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{owned: map[string]bool{}}
}

// Clone returns a catalog that starts equal to c and changes
// independently. It copies nothing: each map is copied by whichever
// catalog first changes it.
func (c *Catalog) Clone() *Catalog {
	n := &Catalog{
		tables: c.tables.share(), indexes: c.indexes.share(), tableIndexes: c.tableIndexes.share(), functions: c.functions.share(),
		sequences: c.sequences.share(), enums: c.enums.share(), domains: c.domains.share(), schemas: c.schemas.share(),
		owned: map[string]bool{}, lastID: c.lastID,
	}
	c.owned = map[string]bool{} // both now share every table: copy before changing
	return n
}

// SetColumns replaces the columns of relation key with cols, in the
// catalog's own copy of the relation (see Clone); it does nothing when
// the catalog has no such relation.
func (c *Catalog) SetColumns(key string, cols []*Column) {
	if t := c.mutable(key); t != nil {
		t.Columns = cols
	}
}

// Table returns the relation with key "schema.name", nil when unknown.
func (c *Catalog) Table(key string) *Table {
	if c == nil {
		return nil
	}
	return c.tables.get(key)
}

// Tables returns every relation, sorted by key.
func (c *Catalog) Tables() []*Table {
	out := c.tables.values()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// TableByID returns the relation with the given ID, nil when it no longer
// exists.
func (c *Catalog) TableByID(id int) *Table {
	var found *Table
	c.tables.each(func(_ string, t *Table) {
		if t.ID == id {
			found = t
		}
	})
	return found
}

// Index returns the index with key "schema.name", nil when unknown.
func (c *Catalog) Index(key string) *Index {
	if c == nil {
		return nil
	}
	return c.indexes.get(key)
}

// Indexes returns the indexes of table key, sorted by name.
func (c *Catalog) Indexes(table string) []*Index {
	if c == nil {
		return nil
	}
	keys := c.tableIndexes.get(table)
	out := make([]*Index, 0, len(keys))
	for _, k := range keys {
		out = append(out, c.indexes.get(k))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// setIndex stores ix under key.
func (c *Catalog) setIndex(key string, ix *Index) {
	if old := c.indexes.get(key); old != nil && old.Table != ix.Table {
		c.unlistIndex(old.Table, key)
	}
	c.indexes.set(key, ix)
	keys := c.tableIndexes.get(ix.Table)
	if !slices.Contains(keys, key) {
		c.tableIndexes.set(ix.Table, append(keys[:len(keys):len(keys)], key))
	}
}

// delIndex drops the index under key.
func (c *Catalog) delIndex(key string) {
	if old := c.indexes.get(key); old != nil {
		c.unlistIndex(old.Table, key)
	}
	c.indexes.del(key)
}

// unlistIndex takes key off the index keys of table. The lists are
// shared with clones: it makes a new one.
func (c *Catalog) unlistIndex(table, key string) {
	keys := c.tableIndexes.get(table)
	i := slices.Index(keys, key)
	if i < 0 {
		return
	}
	if len(keys) == 1 {
		c.tableIndexes.del(table)
		return
	}
	c.tableIndexes.set(table, slices.Concat(keys[:i], keys[i+1:]))
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
		c.tables.each(func(k string, t *Table) {
			for _, con := range t.Constraints {
				if con.References == key && k != key {
					set[k] = true
				}
			}
		})
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

// Functions returns the functions and procedures named key (every
// overload), sorted by signature.
func (c *Catalog) Functions(key string) []*Function {
	var out []*Function
	c.functions.each(func(_ string, f *Function) {
		if key == "" || f.Key == key {
			out = append(out, f)
		}
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Signature() < out[j].Signature() })
	return out
}

// Sequence returns the sequence with key, nil when unknown.
func (c *Catalog) Sequence(key string) *Sequence { return c.sequences.get(key) }

// SequenceOwnedBy returns the key of a sequence that column
// ("schema.table.column") owns, as a serial column owns its sequence; ""
// when none.
func (c *Catalog) SequenceOwnedBy(column string) string {
	key := ""
	c.sequences.each(func(k string, s *Sequence) {
		if s.OwnedBy == column && (key == "" || k < key) {
			key = k
		}
	})
	return key
}

// Enum returns the enum type with key, nil when unknown (or c is nil).
func (c *Catalog) Enum(key string) *Enum {
	if c == nil {
		return nil
	}
	return c.enums.get(key)
}

// Schema returns the schema the history created with name, nil when none.
func (c *Catalog) Schema(name string) *Schema { return c.schemas.get(name) }

// Relation returns the relation with key for name resolution, nil when
// unknown. It makes Catalog a resolve.Catalog.
func (c *Catalog) Relation(key string) *resolve.Relation {
	t := c.Table(key)
	if t == nil {
		return nil
	}
	rel := &resolve.Relation{Key: t.Key, ID: t.ID, Complete: !t.Unknown, Columns: make([]resolve.Column, len(t.Columns))}
	for i, col := range t.Columns {
		rel.Columns[i] = resolve.Column{Name: col.Name, Num: col.Num}
	}
	return rel
}

// mutable returns a table that c may change, copying it first if shared.
func (c *Catalog) mutable(key string) *Table {
	t := c.tables.get(key)
	if t == nil {
		return nil
	}
	if !c.owned[key] {
		t = t.clone()
		c.tables.set(key, t)
		c.owned[key] = true
	}
	return t
}

func (c *Catalog) put(t *Table) {
	c.tables.set(t.Key, t)
	c.owned[t.Key] = true
}

// newID returns a fresh object ID.
func (c *Catalog) newID() int {
	c.lastID++
	return c.lastID
}

func indexKey(schemaOf, name string) string {
	s := pgast.DefaultSchema
	if i := strings.IndexByte(schemaOf, '.'); i > 0 {
		s = schemaOf[:i]
	}
	return s + "." + name
}

// cowMap is a map that clones of a catalog share. It keeps a base map
// that no handle ever writes, shared by every clone, and each handle's own
// changes since then on top; a clone copies only those changes, and a
// handle folds them into a new base once they are many. So a catalog that
// is cloned often (a snapshot for each file, a look ahead for a rule)
// costs what its statements change, not its size, each time.
type cowMap[V any] struct {
	base map[string]V        // shared and never written
	top  map[string]V        // this handle's writes on top of base
	gone map[string]struct{} // base keys this handle deleted
}

// foldAt is the number of changes on top of the base past which share
// folds them into a new base first.
const foldAt = 32

func (c *cowMap[V]) get(k string) V {
	if v, ok := c.top[k]; ok {
		return v
	}
	if _, ok := c.gone[k]; ok {
		var zero V
		return zero
	}
	return c.base[k]
}

// share returns a second handle on the same contents.
func (c *cowMap[V]) share() cowMap[V] {
	if len(c.top)+len(c.gone) > foldAt {
		c.fold()
	}
	n := cowMap[V]{base: c.base}
	if len(c.top) > 0 {
		n.top = make(map[string]V, len(c.top))
		for k, v := range c.top {
			n.top[k] = v
		}
	}
	if len(c.gone) > 0 {
		n.gone = make(map[string]struct{}, len(c.gone))
		for k := range c.gone {
			n.gone[k] = struct{}{}
		}
	}
	return n
}

// fold makes a new base of the contents, with nothing on top.
func (c *cowMap[V]) fold() {
	m := make(map[string]V, len(c.base)+len(c.top))
	c.each(func(k string, v V) { m[k] = v })
	c.base, c.top, c.gone = m, nil, nil
}

func (c *cowMap[V]) set(k string, v V) {
	if c.top == nil {
		c.top = map[string]V{}
	}
	c.top[k] = v
	delete(c.gone, k)
}

func (c *cowMap[V]) del(k string) {
	delete(c.top, k)
	if _, ok := c.base[k]; ok {
		if c.gone == nil {
			c.gone = map[string]struct{}{}
		}
		c.gone[k] = struct{}{}
	}
}

// each calls fn for every key and value, in no order.
func (c *cowMap[V]) each(fn func(k string, v V)) {
	for k, v := range c.top {
		fn(k, v)
	}
	for k, v := range c.base {
		if _, ok := c.top[k]; ok {
			continue
		}
		if _, ok := c.gone[k]; ok {
			continue
		}
		fn(k, v)
	}
}

func (c *cowMap[V]) values() []V {
	out := make([]V, 0, len(c.base)+len(c.top))
	c.each(func(_ string, v V) { out = append(out, v) })
	return out
}
