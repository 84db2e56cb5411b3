package schema

import (
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Apply replays one statement of the migration at path into the catalog.
// Statements it does not model leave the catalog unchanged.
func (c *Catalog) Apply(node *pg.Node, path string) {
	switch n := node.GetNode().(type) {
	case *pg.Node_CreateStmt:
		c.createTable(n.CreateStmt, path)
	case *pg.Node_CreateTableAsStmt:
		kind := KindTable
		if n.CreateTableAsStmt.GetObjtype() == pg.ObjectType_OBJECT_MATVIEW {
			kind = KindMatView
		}
		c.put(&Table{Key: pgast.RelName(n.CreateTableAsStmt.GetInto().GetRel()), Kind: kind, File: path})
	case *pg.Node_ViewStmt:
		c.put(&Table{Key: pgast.RelName(n.ViewStmt.GetView()), Kind: KindView, File: path})
	case *pg.Node_AlterTableStmt:
		c.alterTable(n.AlterTableStmt)
	case *pg.Node_IndexStmt:
		c.createIndex(n.IndexStmt)
	case *pg.Node_DropStmt:
		c.drop(n.DropStmt)
	case *pg.Node_RenameStmt:
		c.rename(n.RenameStmt)
	default:
	}
}

func (c *Catalog) createTable(st *pg.CreateStmt, path string) {
	t := &Table{Key: pgast.RelName(st.GetRelation()), File: path, Partitioned: st.GetPartspec() != nil}
	if st.GetPartbound() != nil && len(st.GetInhRelations()) > 0 {
		t.PartitionOf = pgast.RelName(st.GetInhRelations()[0].GetRangeVar())
	}
	c.put(t)
	for _, e := range st.GetTableElts() {
		if cd := e.GetColumnDef(); cd != nil {
			c.addColumn(t, cd)
		}
		if con := e.GetConstraint(); con != nil {
			c.addConstraint(t, con, nil)
		}
	}
}

func (c *Catalog) addColumn(t *Table, cd *pg.ColumnDef) {
	name, mods := pgast.TypeName(cd.GetTypeName())
	col := &Column{Name: cd.GetColname(), Type: name, Mods: mods, NotNull: cd.GetIsNotNull()}
	t.Columns = append(t.Columns, col)
	for _, n := range cd.GetConstraints() {
		con := n.GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_NOTNULL, pg.ConstrType_CONSTR_PRIMARY:
			col.NotNull = true
		default:
		}
		c.addConstraint(t, con, []string{col.Name})
	}
}

// addConstraint records a table constraint; cols are the column of a
// column constraint, nil for a table constraint.
func (c *Catalog) addConstraint(t *Table, con *pg.Constraint, cols []string) {
	keys := pgast.Strings(con.GetKeys())
	if len(keys) == 0 {
		keys = cols
	}
	ct := con.GetContype()
	switch ct {
	case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_EXCLUSION,
		pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
	default:
		return
	}
	if ct == pg.ConstrType_CONSTR_FOREIGN && len(keys) == 0 {
		keys = pgast.Strings(con.GetFkAttrs())
		if len(keys) == 0 {
			keys = cols
		}
	}
	name := con.GetConname()
	if name == "" {
		name = defaultConstraintName(t, ct, keys)
	}
	rec := &Constraint{Name: name, Type: ct, Columns: keys, Validated: !con.GetSkipValidation()}
	if ct == pg.ConstrType_CONSTR_FOREIGN {
		rec.References = pgast.RelName(con.GetPktable())
	}
	if ct == pg.ConstrType_CONSTR_CHECK {
		rec.NotNullOf = NotNullCheckColumn(con.GetRawExpr())
	}
	t.Constraints = append(t.Constraints, rec)
	if ct == pg.ConstrType_CONSTR_PRIMARY {
		for _, k := range keys {
			if col := t.Column(k); col != nil {
				col.NotNull = true
			}
		}
	}
	if ct == pg.ConstrType_CONSTR_PRIMARY || ct == pg.ConstrType_CONSTR_UNIQUE || ct == pg.ConstrType_CONSTR_EXCLUSION {
		ixName := con.GetIndexname()
		if ixName == "" {
			ixName = name
		}
		c.indexes[indexKey(t.Key, ixName)] = &Index{Name: ixName, Table: t.Key, Columns: keys, Unique: ct != pg.ConstrType_CONSTR_EXCLUSION, Constraint: name}
	}
}

// NotNullCheckColumn returns c when expr is "c IS NOT NULL", else "".
func NotNullCheckColumn(expr *pg.Node) string {
	nt := expr.GetNullTest()
	if nt == nil || nt.GetNulltesttype() != pg.NullTestType_IS_NOT_NULL {
		return ""
	}
	return pgast.LastString(nt.GetArg().GetColumnRef().GetFields())
}

func defaultConstraintName(t *Table, ct pg.ConstrType, keys []string) string {
	table := pgast.DisplayName(t.Key)
	if i := len(table) - len(pgast.DisplayName(table)); i > 0 {
		table = table[i:]
	}
	base := table
	for _, k := range keys {
		base += "_" + k
	}
	switch ct {
	case pg.ConstrType_CONSTR_PRIMARY:
		return table + "_pkey"
	case pg.ConstrType_CONSTR_UNIQUE:
		return base + "_key"
	case pg.ConstrType_CONSTR_FOREIGN:
		return base + "_fkey"
	case pg.ConstrType_CONSTR_EXCLUSION:
		return base + "_excl"
	default:
		return base + "_check"
	}
}

func (c *Catalog) alterTable(st *pg.AlterTableStmt) {
	key := pgast.RelName(st.GetRelation())
	t := c.mutable(key)
	if t == nil {
		if st.GetObjtype() != pg.ObjectType_OBJECT_TABLE || key == "" {
			return
		}
		// Altered but created outside the history: remember what the
		// migrations do to it from here on.
		t = &Table{Key: key, Unknown: true}
		c.put(t)
	}
	for _, n := range st.GetCmds() {
		cmd := n.GetAlterTableCmd()
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AddColumn:
			if cd := cmd.GetDef().GetColumnDef(); cd != nil && t.Column(cd.GetColname()) == nil {
				c.addColumn(t, cd)
			}
		case pg.AlterTableType_AT_DropColumn:
			for i, col := range t.Columns {
				if col.Name == cmd.GetName() {
					t.Columns = append(t.Columns[:i:i], t.Columns[i+1:]...)
					break
				}
			}
		case pg.AlterTableType_AT_AlterColumnType:
			if col := t.Column(cmd.GetName()); col != nil {
				col.Type, col.Mods = pgast.TypeName(cmd.GetDef().GetColumnDef().GetTypeName())
			}
		case pg.AlterTableType_AT_SetNotNull:
			if col := t.Column(cmd.GetName()); col != nil {
				col.NotNull = true
			}
		case pg.AlterTableType_AT_DropNotNull:
			if col := t.Column(cmd.GetName()); col != nil {
				col.NotNull = false
			}
		case pg.AlterTableType_AT_AddConstraint:
			c.addConstraint(t, cmd.GetDef().GetConstraint(), nil)
		case pg.AlterTableType_AT_ValidateConstraint:
			if con := t.Constraint(cmd.GetName()); con != nil {
				con.Validated = true
			}
		case pg.AlterTableType_AT_DropConstraint:
			for i, con := range t.Constraints {
				if con.Name == cmd.GetName() {
					t.Constraints = append(t.Constraints[:i:i], t.Constraints[i+1:]...)
					delete(c.indexes, indexKey(key, con.Name))
					break
				}
			}
		default:
		}
	}
}

func (c *Catalog) createIndex(st *pg.IndexStmt) {
	table := pgast.RelName(st.GetRelation())
	if table == "" {
		return
	}
	var cols []string
	for _, p := range st.GetIndexParams() {
		cols = append(cols, p.GetIndexElem().GetName())
	}
	name := st.GetIdxname()
	if name == "" {
		base := DefaultIndexName(st)
		name = base
		for n := 1; c.indexes[indexKey(table, name)] != nil; n++ {
			name = strings.TrimSuffix(base, "_idx") + "_idx" + strconv.Itoa(n)
		}
	}
	c.indexes[indexKey(table, name)] = &Index{Name: name, Table: table, Columns: cols, Unique: st.GetUnique(), Partial: st.GetWhereClause() != nil}
}

// DefaultIndexName returns the name PostgreSQL gives an index that st
// creates without naming it (ChooseIndexName): the table, the column
// names (the function name, or "expr", for an expression, and the INCLUDE
// columns too) and "idx", joined with "_". When that name is taken,
// PostgreSQL adds a number to "idx"; names are not truncated to 63 bytes.
func DefaultIndexName(st *pg.IndexStmt) string {
	name := pgast.ObjectName(pgast.RelName(st.GetRelation()))
	for _, p := range append(append([]*pg.Node{}, st.GetIndexParams()...), st.GetIndexIncludingParams()...) {
		el := p.GetIndexElem()
		switch {
		case el.GetIndexcolname() != "":
			name += "_" + el.GetIndexcolname()
		case el.GetName() != "":
			name += "_" + el.GetName()
		case el.GetExpr().GetFuncCall() != nil:
			name += "_" + pgast.LastString(el.GetExpr().GetFuncCall().GetFuncname())
		default:
			name += "_expr"
		}
	}
	return name + "_idx"
}

func (c *Catalog) drop(st *pg.DropStmt) {
	for _, o := range st.GetObjects() {
		key := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
		switch st.GetRemoveType() {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW:
			delete(c.tables, key)
			for k, ix := range c.indexes {
				if ix.Table == key {
					delete(c.indexes, k)
				}
			}
			// Only CASCADE drops a referenced table: its referencing
			// foreign keys go with it.
			for _, ref := range c.ReferencedBy(key) {
				t := c.mutable(ref)
				kept := t.Constraints[:0]
				for _, con := range t.Constraints {
					if con.References != key {
						kept = append(kept, con)
					}
				}
				t.Constraints = kept
			}
		case pg.ObjectType_OBJECT_INDEX:
			delete(c.indexes, key)
		default:
		}
	}
}

func (c *Catalog) rename(st *pg.RenameStmt) {
	key := pgast.RelName(st.GetRelation())
	switch st.GetRenameType() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW:
		t := c.mutable(key)
		if t == nil {
			return
		}
		delete(c.tables, key)
		delete(c.owned, key)
		t.Key = indexKey(key, st.GetNewname())
		c.put(t)
		for _, con := range t.Constraints {
			if con.References == key {
				con.References = t.Key
			}
		}
		for _, ref := range c.ReferencedBy(key) {
			for _, con := range c.mutable(ref).Constraints {
				if con.References == key {
					con.References = t.Key
				}
			}
		}
		for k, ix := range c.indexes {
			if ix.Table == key {
				cp := *ix
				cp.Table = t.Key
				c.indexes[k] = &cp
			}
		}
	case pg.ObjectType_OBJECT_COLUMN:
		if t := c.mutable(key); t != nil {
			old, renamed := st.GetSubname(), st.GetNewname()
			if col := t.Column(old); col != nil {
				col.Name = renamed
			}
			// Constraints and indexes follow the column to its new name.
			for _, con := range t.Constraints {
				con.Columns = renameIn(con.Columns, old, renamed)
				if con.NotNullOf == old {
					con.NotNullOf = renamed
				}
			}
			for k, ix := range c.indexes {
				if ix.Table == key {
					cp := *ix
					cp.Columns = renameIn(ix.Columns, old, renamed)
					c.indexes[k] = &cp
				}
			}
		}
	case pg.ObjectType_OBJECT_INDEX:
		if ix := c.indexes[key]; ix != nil {
			cp := *ix
			cp.Name = st.GetNewname()
			delete(c.indexes, key)
			c.indexes[indexKey(key, cp.Name)] = &cp
		}
	default:
	}
}

// renameIn returns cols with old replaced by renamed, as a new slice.
func renameIn(cols []string, old, renamed string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		if c == old {
			c = renamed
		}
		out[i] = c
	}
	return out
}
