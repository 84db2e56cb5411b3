package schema

import (
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file replays columns: their types, defaults, identity and
// generation, the sequences of serial and identity columns, and DROP
// COLUMN.

// typeName returns a type's name as pgast.TypeName does, also without
// the default schema, which pg_dump writes and migrations usually do not.
func typeName(tn *pg.TypeName) (string, []int32) {
	name, mods := pgast.TypeName(tn)
	return strings.TrimPrefix(name, pgast.DefaultSchema+"."), mods
}

// serialBase returns the integer type that a serial pseudo-type makes,
// and false for any other type.
func serialBase(name string) (string, bool) {
	switch name {
	case "serial", "serial4":
		return "int4", true
	case "bigserial", "serial8":
		return "int8", true
	case "smallserial", "serial2":
		return "int2", true
	default:
		return "", false
	}
}

// columnDecl returns the type and collation of a column definition as
// SQL, deparsed; "" when it cannot be deparsed.
func columnDecl(tn *pg.TypeName, coll *pg.CollateClause) string {
	if tn == nil {
		return ""
	}
	const head = "ALTER TABLE x ADD COLUMN c "
	sql := pgast.StatementSQL(&pg.Node{Node: &pg.Node_AlterTableStmt{AlterTableStmt: &pg.AlterTableStmt{
		Relation: &pg.RangeVar{Relname: "x", Inh: true, Relpersistence: "p"}, Objtype: pg.ObjectType_OBJECT_TABLE,
		Cmds: []*pg.Node{{Node: &pg.Node_AlterTableCmd{AlterTableCmd: &pg.AlterTableCmd{
			Subtype: pg.AlterTableType_AT_AddColumn,
			Def:     &pg.Node{Node: &pg.Node_ColumnDef{ColumnDef: &pg.ColumnDef{Colname: "c", TypeName: tn, CollClause: coll, IsLocal: true}}},
		}}}},
	}}})
	if !strings.HasPrefix(sql, head) {
		return ""
	}
	return strings.TrimPrefix(sql, head)
}

func (r *replay) addColumn(t *Table, cd *pg.ColumnDef) *Column {
	name, mods := typeName(cd.GetTypeName())
	col := t.newColumn(&Column{Name: cd.GetColname(), Type: name, Mods: mods, NotNull: cd.GetIsNotNull(),
		Decl: columnDecl(cd.GetTypeName(), cd.GetCollClause())})
	if base, ok := serialBase(name); ok {
		col.Type, col.NotNull = base, true
		col.Decl = map[string]string{"int4": "integer", "int8": "bigint", "int2": "smallint"}[base]
		seq := r.ownedSequence(t, col)
		col.Default = "nextval('" + seqName(seq) + "'::regclass)"
	}
	if d := cd.GetRawDefault(); d != nil {
		col.Default = defaultSQL(d)
	}
	r.columnConstraints(t, col, cd)
	return col
}

// columnConstraints applies the constraints written on a column.
func (r *replay) columnConstraints(t *Table, col *Column, cd *pg.ColumnDef) {
	for _, n := range cd.GetConstraints() {
		con := n.GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL, pg.ConstrType_CONSTR_PRIMARY:
			col.NotNull = true
		case pg.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg.ConstrType_CONSTR_DEFAULT:
			col.Default = defaultSQL(con.GetRawExpr())
		case pg.ConstrType_CONSTR_IDENTITY:
			r.identity(t, col, con)
		case pg.ConstrType_CONSTR_GENERATED:
			col.Generated = pgast.ExprSQL(con.GetRawExpr())
		default:
		}
		r.c.addConstraint(t, con, []string{col.Name})
	}
}

// identity makes col an identity column with its sequence.
func (r *replay) identity(t *Table, col *Column, con *pg.Constraint) {
	col.Identity, col.NotNull = "by default", true
	if con.GetGeneratedWhen() == "a" {
		col.Identity = "always"
	}
	r.ownedSequence(t, col)
}

// ownedSequence records the sequence PostgreSQL creates for a serial or
// identity column: <table>_<column>_seq in the table's schema.
func (r *replay) ownedSequence(t *Table, col *Column) *Sequence {
	key := indexKey(t.Key, pgast.ObjectName(t.Key)+"_"+col.Name+"_seq")
	seq := &Sequence{Key: key, OwnedBy: t.Key + "." + col.Name, File: r.st.Path, Line: r.st.Line}
	r.c.sequences.set(key, seq)
	return seq
}

// seqName returns a sequence's key as nextval writes it.
func seqName(s *Sequence) string {
	if pgast.SchemaOf(s.Key) == pgast.DefaultSchema {
		return pgast.ObjectName(s.Key)
	}
	return s.Key
}

// defaultSQL returns a DEFAULT expression as SQL; "" for none, and for
// DEFAULT NULL, which PostgreSQL does not store.
func defaultSQL(n *pg.Node) string {
	inner := n
	for inner.GetTypeCast() != nil {
		inner = inner.GetTypeCast().GetArg()
	}
	if c := inner.GetAConst(); c != nil && c.GetIsnull() {
		return ""
	}
	return pgast.ExprSQL(n)
}

// dropColumn drops a column and the indexes and constraints that use it;
// with CASCADE, also the views and foreign keys that depend on it.
func (r *replay) dropColumn(t *Table, cmd *pg.AlterTableCmd) {
	name := cmd.GetName()
	cascade := cmd.GetBehavior() == pg.DropBehavior_DROP_CASCADE
	for i, col := range t.Columns {
		if col.Name != name {
			continue
		}
		t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
		for _, con := range append([]*Constraint{}, t.Constraints...) {
			if slices.Contains(con.Uses, name) {
				r.dropConstraint(t, con.Name, cascade)
			}
		}
		for _, ix := range r.c.Indexes(t.Key) {
			if slices.Contains(ix.uses, name) {
				r.dropIndex(indexKey(t.Key, ix.Name), cascade)
			}
		}
		r.note(ColumnDropped, t, col, "")
		if cascade {
			r.dropDependents(t.ID, col.Num)
		}
		return
	}
	if t.Unknown && !cmd.GetMissingOk() {
		r.note(ColumnDropped, t, &Column{Name: name}, "")
	}
}
