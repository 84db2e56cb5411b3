package schema

import (
	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// Stmt is a statement to replay, with where it comes from.
type Stmt struct {
	Node *pg.Node
	// SQL is the statement's source text, and Base the byte offset of SQL
	// in its file. PL/pgSQL bodies are parsed from it; without it their
	// queries stay unknown.
	SQL  string
	Base int
	// Path is the migration's path and Line the 1-based line the statement
	// starts on, recorded on the objects it creates.
	Path string
	Line int
}

// bytes returns the statement's bytes in its file: from Base to the end
// of SQL; 0, 0 without its text.
func (s Stmt) bytes() (start, end int) {
	if s.SQL == "" {
		return 0, 0
	}
	return s.Base, s.Base + len(s.SQL)
}

// ChangeKind says what a statement did to a relation.
type ChangeKind int

// The changes Replay reports.
const (
	TableCreated ChangeKind = iota
	TableDropped
	TableRenamed
	ColumnAdded
	ColumnDropped
	ColumnRenamed
	ColumnRetyped
)

// String names the change for messages: "adds column", "drops table"...
func (k ChangeKind) String() string {
	switch k {
	case TableCreated:
		return "creates"
	case TableDropped:
		return "drops"
	case TableRenamed:
		return "renames"
	case ColumnAdded:
		return "adds column"
	case ColumnDropped:
		return "drops column"
	case ColumnRenamed:
		return "renames column"
	default:
		return "changes the type of column"
	}
}

// Change is one change a statement made to a relation.
type Change struct {
	Kind ChangeKind
	// Table is the relation's ID, Key its "schema.name" after the change
	// (before it, for a drop) and OldKey its key before a rename.
	Table       int
	Key, OldKey string
	// Relation is the kind of relation changed.
	Relation Kind
	// Column is the column concerned (its new name after a rename), Num
	// its number, OldName its name before a rename; empty for changes to
	// the relation as a whole.
	Column, OldName string
	Num             int
	// Type and OldType are, for ColumnRetyped, the column's type after and
	// before the change, as Column.Type gives them ("int4", "text",
	// "varchar"); "" when unknown.
	Type, OldType string
	// Unknown reports a relation created outside the history.
	Unknown bool
}

// Apply replays one statement of the migration at path into the catalog.
// It is Replay for a statement known only by its tree.
func (c *Catalog) Apply(node *pg.Node, path string) {
	c.Replay(Stmt{Node: node, Path: path})
}

// Replay replays one statement into the catalog and returns the changes
// it made to relations and their columns. Statements it does not model
// leave the catalog unchanged.
func (c *Catalog) Replay(st Stmt) []Change {
	r := &replay{c: c, st: st}
	r.statement(st.Node)
	return r.changes
}

// replay is the state of one statement's replay.
type replay struct {
	c       *Catalog
	st      Stmt
	changes []Change
}

// note records a change to table t.
func (r *replay) note(kind ChangeKind, t *Table, col *Column, oldName string) {
	ch := Change{Kind: kind, Table: t.ID, Key: t.Key, Relation: t.Kind, OldName: oldName, Unknown: t.Unknown}
	if col != nil {
		ch.Column, ch.Num = col.Name, col.Num
	}
	r.changes = append(r.changes, ch)
}

func (r *replay) statement(node *pg.Node) {
	switch n := node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		r.createTable(n.CreateStmt)
	case *pg.Node_CreateTableAsStmt:
		r.createTableAs(n.CreateTableAsStmt)
	case *pg.Node_SelectStmt:
		if n.SelectStmt.GetIntoClause() != nil {
			r.selectInto(n.SelectStmt)
		}
	case *pg.Node_ViewStmt:
		r.createView(n.ViewStmt)
	case *pg.Node_AlterTableStmt:
		r.alterTable(n.AlterTableStmt)
	case *pg.Node_IndexStmt:
		r.c.createIndex(n.IndexStmt)
	case *pg.Node_DropStmt:
		r.drop(n.DropStmt)
	case *pg.Node_RenameStmt:
		r.rename(n.RenameStmt)
	case *pg.Node_AlterObjectSchemaStmt:
		r.setSchema(n.AlterObjectSchemaStmt)
	case *pg.Node_CreateFunctionStmt:
		r.createFunction(n.CreateFunctionStmt)
	case *pg.Node_CreateSeqStmt:
		r.createSequence(n.CreateSeqStmt)
	case *pg.Node_AlterSeqStmt:
		r.alterSequence(n.AlterSeqStmt)
	case *pg.Node_CreateEnumStmt:
		r.createEnum(n.CreateEnumStmt)
	case *pg.Node_AlterEnumStmt:
		r.alterEnum(n.AlterEnumStmt)
	case *pg.Node_CreateDomainStmt:
		r.createDomain(n.CreateDomainStmt)
	case *pg.Node_CreateSchemaStmt:
		r.createSchema(n.CreateSchemaStmt)
	default:
	}
}

// createSchema records a schema and replays the objects CREATE SCHEMA
// creates in it; their unqualified names belong to the new schema.
func (r *replay) createSchema(st *pg.CreateSchemaStmt) {
	name := st.GetSchemaname()
	if name == "" {
		name = st.GetAuthrole().GetRolename()
	}
	if r.c.schemas.get(name) == nil {
		r.c.schemas.set(name, &Schema{Name: name, File: r.st.Path, Line: r.st.Line})
	}
	for _, elt := range st.GetSchemaElts() {
		elt = proto.Clone(elt).(*pg.Node)
		var rv *pg.RangeVar
		switch n := elt.GetNode().(type) {
		case *pg.Node_CreateStmt:
			rv = n.CreateStmt.GetRelation()
		case *pg.Node_CreateSeqStmt:
			rv = n.CreateSeqStmt.GetSequence()
		case *pg.Node_ViewStmt:
			rv = n.ViewStmt.GetView()
		case *pg.Node_IndexStmt:
			rv = n.IndexStmt.GetRelation()
		default:
		}
		if rv != nil && rv.GetSchemaname() == "" {
			rv.Schemaname = name
		}
		r.statement(elt)
	}
}

// StmtOf returns the replay input for statement st of migration file f.
func StmtOf(f *migration.File, st *migration.Statement) Stmt {
	return Stmt{Node: st.Node, SQL: st.Text(f.Text), Base: st.Span.Start, Path: f.Path, Line: f.Lines.Position(st.Span.Start).Line}
}
