package schema

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// newTable returns a table for key created by the statement being
// replayed, with a fresh ID.
func (r *replay) newTable(key string, kind Kind) *Table {
	return &Table{Key: key, Kind: kind, File: r.st.Path, Line: r.st.Line, ID: r.c.newID()}
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
			c.indexes.set(indexKey(part.Key, name), &Index{Name: name, Table: part.Key, Columns: con.Columns, Unique: con.Type != pg.ConstrType_CONSTR_EXCLUSION, Constraint: name, uses: con.Columns})
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
		c.indexes.set(indexKey(part.Key, name), &Index{Name: name, Table: part.Key, Columns: ix.Columns, Unique: ix.Unique, uses: ix.uses})
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
		cp := Column{Name: col.Name, Type: col.Type, Mods: col.Mods, NotNull: col.NotNull}
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

// typeName returns a type's name as pgast.TypeName does, also without
// the default schema, which pg_dump writes and migrations usually do not.
func typeName(tn *pg.TypeName) (string, []int32) {
	name, mods := pgast.TypeName(tn)
	return strings.TrimPrefix(name, pgast.DefaultSchema+"."), mods
}

// serialTypes maps the serial pseudo-types to the integer type they make.
var serialTypes = map[string]string{
	"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8", "smallserial": "int2", "serial2": "int2",
}

func (r *replay) addColumn(t *Table, cd *pg.ColumnDef) *Column {
	name, mods := typeName(cd.GetTypeName())
	col := t.newColumn(&Column{Name: cd.GetColname(), Type: name, Mods: mods, NotNull: cd.GetIsNotNull()})
	if base, ok := serialTypes[name]; ok {
		col.Type, col.NotNull = base, true
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
	var reads []string
	if ct == pg.ConstrType_CONSTR_CHECK {
		reads = pgast.ColumnRefs(con.GetRawExpr())
		if len(reads) == 0 {
			reads = cols
		}
	}
	if ct == pg.ConstrType_CONSTR_EXCLUSION {
		keys = nil
		for _, ex := range con.GetExclusions() {
			if items := ex.GetList().GetItems(); len(items) > 0 {
				keys = append(keys, items[0].GetIndexElem().GetName())
			}
		}
	}
	name := con.GetConname()
	if name == "" {
		name = c.constraintName(t, ct, keys, reads)
	}
	if ct == pg.ConstrType_CONSTR_CHECK {
		keys = reads
	}
	rec := &Constraint{Name: name, Type: ct, Columns: keys, Validated: !con.GetSkipValidation(), Uses: append(append([]string{}, keys...), reads...)}
	switch ct {
	case pg.ConstrType_CONSTR_CHECK:
		rec.NotNullOf = NotNullCheckColumn(con.GetRawExpr())
	case pg.ConstrType_CONSTR_FOREIGN:
		rec.References = pgast.RelName(con.GetPktable())
		rec.RefColumns = pgast.Strings(con.GetPkAttrs())
		if ref := c.Table(rec.References); ref != nil && len(rec.RefColumns) == 0 {
			for _, pk := range ref.Constraints {
				if pk.Type == pg.ConstrType_CONSTR_PRIMARY {
					rec.RefColumns = pk.Columns
				}
			}
		}
	default:
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
		// An index named in USING INDEX takes the constraint's name.
		if ix := con.GetIndexname(); ix != "" {
			c.indexes.del(indexKey(t.Key, ix))
		}
		c.indexes.set(indexKey(t.Key, name), &Index{Name: name, Table: t.Key, Columns: keys, Unique: ct != pg.ConstrType_CONSTR_EXCLUSION, Constraint: name, uses: keys})
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
			col.Type, col.Mods = typeName(cmd.GetDef().GetColumnDef().GetTypeName())
			r.note(ColumnRetyped, t, col, "")
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
			if contains(con.Uses, name) {
				r.dropConstraint(t, con.Name, cascade)
			}
		}
		for _, ix := range r.c.Indexes(t.Key) {
			if contains(ix.uses, name) {
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

// dropConstraint drops a constraint of t and the index behind it; with
// CASCADE, also the foreign keys that rely on that index.
func (r *replay) dropConstraint(t *Table, name string, cascade bool) {
	for i, con := range t.Constraints {
		if con.Name == name {
			t.Constraints = append(t.Constraints[:i:i], t.Constraints[i+1:]...)
			break
		}
	}
	if ix := r.c.indexes.get(indexKey(t.Key, name)); ix != nil && ix.Constraint == name {
		r.dropIndex(indexKey(t.Key, name), cascade)
	}
}

// dropIndex drops an index; with CASCADE, also the foreign keys whose
// referenced columns it covers, which PostgreSQL makes depend on it.
func (r *replay) dropIndex(key string, cascade bool) {
	ix := r.c.indexes.get(key)
	if ix == nil {
		return
	}
	r.c.indexes.del(key)
	if !cascade || !ix.Unique {
		return
	}
	for _, t := range r.c.Tables() {
		for _, con := range t.Constraints {
			if con.Type == pg.ConstrType_CONSTR_FOREIGN && con.References == ix.Table && sameSet(con.RefColumns, ix.Columns) {
				r.dropConstraint(r.c.mutable(t.Key), con.Name, false)
			}
		}
	}
}

// sameSet reports whether a and b hold the same names, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (c *Catalog) createIndex(st *pg.IndexStmt) {
	table := pgast.RelName(st.GetRelation())
	if table == "" {
		return
	}
	var cols, uses []string
	for _, p := range st.GetIndexParams() {
		el := p.GetIndexElem()
		cols = append(cols, el.GetName())
		uses = append(uses, el.GetName())
		uses = append(uses, pgast.ColumnRefs(el.GetExpr())...)
	}
	for _, p := range st.GetIndexIncludingParams() {
		uses = append(uses, p.GetIndexElem().GetName())
	}
	uses = append(uses, pgast.ColumnRefs(st.GetWhereClause())...)
	name := st.GetIdxname()
	if name == "" {
		t := c.Table(table)
		if t == nil {
			t = &Table{Key: table}
		}
		name = c.chooseName(t, indexNameAddition(st), "idx", true)
	}
	if st.GetIfNotExists() && c.indexes.get(indexKey(table, name)) != nil {
		return
	}
	c.indexes.set(indexKey(table, name), &Index{Name: name, Table: table, Columns: cols, Unique: st.GetUnique(), Partial: st.GetWhereClause() != nil, uses: uses})
	if t := c.Table(table); t != nil && st.GetRelation().GetInh() {
		c.propagate(t)
	}
}

// DefaultIndexName returns the name PostgreSQL gives an index that st
// creates without naming it (ChooseIndexName): the table, the column
// names (the function name, or "expr", for an expression, and the INCLUDE
// columns too) and "idx", joined with "_" and shortened to fit 63 bytes.
// When that name is taken, PostgreSQL adds a number to "idx".
func DefaultIndexName(st *pg.IndexStmt) string {
	return objectName(pgast.ObjectName(pgast.RelName(st.GetRelation())), indexNameAddition(st), "idx")
}

// indexNameAddition joins the names of an index's columns with "_", as
// ChooseIndexColumnNames and ChooseIndexNameAddition do.
func indexNameAddition(st *pg.IndexStmt) string {
	var names []string
	for _, p := range append(append([]*pg.Node{}, st.GetIndexParams()...), st.GetIndexIncludingParams()...) {
		el := p.GetIndexElem()
		switch {
		case el.GetIndexcolname() != "":
			names = append(names, el.GetIndexcolname())
		case el.GetName() != "":
			names = append(names, el.GetName())
		case el.GetExpr().GetFuncCall() != nil:
			names = append(names, pgast.LastString(el.GetExpr().GetFuncCall().GetFuncname()))
		default:
			names = append(names, "expr")
		}
	}
	return strings.Join(names, "_")
}
