package schema

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file replays CREATE TABLE and ALTER TABLE.

// newTable returns a table for key created by the statement being
// replayed, with a fresh ID.
func (r *replay) newTable(key string, kind Kind) *Table {
	start, end := r.st.bytes()
	return &Table{Key: key, Kind: kind, File: r.st.Path, Line: r.st.Line, Start: start, End: end, ID: r.c.newID()}
}

// placeholder returns the table key, adding an Unknown one when the
// history never created it.
func (r *replay) placeholder(key string) *Table {
	if t := r.c.mutable(key); t != nil {
		return t
	}
	t := r.newTable(key, KindTable)
	t.Unknown = true
	r.c.put(t)
	return t
}

func (r *replay) createTable(st *pg.CreateStmt) {
	key := pgast.RelName(st.GetRelation())
	if key == "" || (st.GetIfNotExists() && r.c.Table(key) != nil) {
		return
	}
	t := r.newTable(key, KindTable)
	t.Partitioned = st.GetPartspec() != nil
	t.Unknown = st.GetOfTypename() != nil // a typed table: its columns come from the type
	parents := st.GetInhRelations()
	if st.GetPartbound() != nil && len(parents) > 0 {
		t.PartitionOf = pgast.RelName(parents[0].GetRangeVar())
	}
	r.c.put(t)
	// Inherited columns come first, in the parents' order.
	for _, p := range parents {
		parent := r.c.Table(pgast.RelName(p.GetRangeVar()))
		if parent == nil {
			t.Unknown = true
			continue
		}
		t.Unknown = t.Unknown || parent.Unknown
		for _, col := range parent.Columns {
			if t.Column(col.Name) == nil {
				cp := *col
				t.newColumn(&cp)
			}
		}
	}
	for _, e := range st.GetTableElts() {
		switch {
		case e.GetColumnDef() != nil:
			cd := e.GetColumnDef()
			if existing := t.Column(cd.GetColname()); existing != nil {
				r.columnConstraints(t, existing, cd) // a partition's or child's options for an inherited column
				continue
			}
			r.addColumn(t, cd)
		case e.GetConstraint() != nil:
			r.c.addConstraint(t, e.GetConstraint(), nil)
		case e.GetTableLikeClause() != nil:
			r.like(t, e.GetTableLikeClause())
		default:
		}
	}
	for _, con := range st.GetConstraints() {
		r.c.addConstraint(t, con.GetConstraint(), nil)
	}
	if parent := r.c.Table(t.PartitionOf); parent != nil {
		r.c.inheritFromParent(t, parent)
	}
	r.note(TableCreated, t, nil, "")
}

// like copies the columns of LIKE other, with their defaults, identity
// and generation expressions when the clause includes them.
func (r *replay) like(t *Table, lc *pg.TableLikeClause) {
	src := r.c.Table(pgast.RelName(lc.GetRelation()))
	if src == nil {
		t.Unknown = true
		return
	}
	t.Unknown = t.Unknown || src.Unknown
	// Options is PostgreSQL's bit set: option o (numbered from 1 in the
	// enum) is bit o-1, and INCLUDING ALL sets every bit.
	opts := lc.GetOptions()
	has := func(o pg.TableLikeOption) bool { return opts&(1<<(uint32(o)-1)) != 0 }
	for _, col := range src.Columns {
		cp := Column{Name: col.Name, Type: col.Type, Mods: col.Mods, Decl: col.Decl, NotNull: col.NotNull}
		if has(pg.TableLikeOption_CREATE_TABLE_LIKE_DEFAULTS) {
			cp.Default = col.Default
		}
		if has(pg.TableLikeOption_CREATE_TABLE_LIKE_IDENTITY) {
			cp.Identity = col.Identity
		}
		if has(pg.TableLikeOption_CREATE_TABLE_LIKE_GENERATED) {
			cp.Generated = col.Generated
		}
		t.newColumn(&cp)
	}
}

func (r *replay) alterTable(st *pg.AlterTableStmt) {
	key := pgast.RelName(st.GetRelation())
	var t *Table
	switch st.GetObjtype() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		if st.GetMissingOk() && r.c.Table(key) == nil {
			return
		}
		t = r.placeholder(key)
	default:
		t = r.c.mutable(key) // ALTER VIEW, ALTER MATERIALIZED VIEW, ALTER INDEX
	}
	if t == nil {
		return
	}
	// An altered view has options, defaults or an owner that its CREATE
	// VIEW does not say.
	t.View = nil
	for _, n := range st.GetCmds() {
		r.alterCmd(t, n.GetAlterTableCmd(), st.GetRelation().GetInh())
	}
}

// alterCmd replays one subcommand of ALTER TABLE on t; inh is false for
// ALTER TABLE ONLY, whose changes do not reach partitions.
func (r *replay) alterCmd(t *Table, cmd *pg.AlterTableCmd, inh bool) {
	col := t.Column(cmd.GetName())
	switch cmd.GetSubtype() {
	case pg.AlterTableType_AT_AddColumn, pg.AlterTableType_AT_AddColumnToView:
		if cd := cmd.GetDef().GetColumnDef(); cd != nil && t.Column(cd.GetColname()) == nil {
			r.note(ColumnAdded, t, r.addColumn(t, cd), "")
		}
	case pg.AlterTableType_AT_DropColumn:
		r.dropColumn(t, cmd)
	case pg.AlterTableType_AT_AlterColumnType:
		if col != nil {
			cd := cmd.GetDef().GetColumnDef()
			old := col.Type
			col.Type, col.Mods = typeName(cd.GetTypeName())
			col.Decl = columnDecl(cd.GetTypeName(), cd.GetCollClause())
			r.note(ColumnRetyped, t, col, "")
			r.changes[len(r.changes)-1].Type, r.changes[len(r.changes)-1].OldType = col.Type, old
		} else if t.Unknown {
			r.note(ColumnRetyped, t, &Column{Name: cmd.GetName()}, "")
		}
	case pg.AlterTableType_AT_SetNotNull, pg.AlterTableType_AT_DropNotNull:
		if col != nil {
			col.NotNull = cmd.GetSubtype() == pg.AlterTableType_AT_SetNotNull
		}
	case pg.AlterTableType_AT_ColumnDefault:
		if col != nil {
			col.Default = defaultSQL(cmd.GetDef())
		}
	case pg.AlterTableType_AT_AddIdentity:
		if col != nil {
			r.identity(t, col, cmd.GetDef().GetConstraint())
		}
	case pg.AlterTableType_AT_DropIdentity:
		if col != nil {
			col.Identity = ""
		}
	case pg.AlterTableType_AT_SetExpression:
		if col != nil {
			col.Generated = pgast.ExprSQL(cmd.GetDef())
		}
	case pg.AlterTableType_AT_DropExpression:
		if col != nil {
			col.Generated = ""
		}
	case pg.AlterTableType_AT_AddConstraint:
		r.c.addConstraint(t, cmd.GetDef().GetConstraint(), nil)
		if inh {
			r.c.propagate(t)
		}
	case pg.AlterTableType_AT_ValidateConstraint:
		if con := t.Constraint(cmd.GetName()); con != nil {
			con.Validated = true
		}
	case pg.AlterTableType_AT_DropConstraint:
		r.dropConstraint(t, cmd.GetName(), cmd.GetBehavior() == pg.DropBehavior_DROP_CASCADE)
	case pg.AlterTableType_AT_AttachPartition:
		if part := r.c.mutable(pgast.RelName(cmd.GetDef().GetPartitionCmd().GetName())); part != nil {
			part.PartitionOf = t.Key
			r.c.inheritFromParent(part, t)
		}
	case pg.AlterTableType_AT_DetachPartition:
		if part := r.c.mutable(pgast.RelName(cmd.GetDef().GetPartitionCmd().GetName())); part != nil {
			part.PartitionOf = ""
		}
	default:
	}
}
