package schema

import (
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file replays DROP, RENAME and SET SCHEMA of every object kind.

func (r *replay) drop(st *pg.DropStmt) {
	cascade := st.GetBehavior() == pg.DropBehavior_DROP_CASCADE
	for _, o := range st.GetObjects() {
		key := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
		switch st.GetRemoveType() {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_FOREIGN_TABLE:
			r.dropTable(key, cascade)
		case pg.ObjectType_OBJECT_INDEX:
			r.dropIndex(key, cascade)
		case pg.ObjectType_OBJECT_SEQUENCE:
			r.c.sequences.del(key)
		case pg.ObjectType_OBJECT_TYPE, pg.ObjectType_OBJECT_DOMAIN:
			key := pgast.QualifyName(pgast.Strings(o.GetTypeName().GetNames()))
			r.c.enums.del(key)
			r.c.domains.del(key)
		case pg.ObjectType_OBJECT_FUNCTION, pg.ObjectType_OBJECT_PROCEDURE, pg.ObjectType_OBJECT_ROUTINE:
			for _, f := range r.c.functionsNamed(o.GetObjectWithArgs()) {
				r.c.functions.del(f.Signature())
			}
		case pg.ObjectType_OBJECT_SCHEMA:
			r.dropSchema(o.GetString_().GetSval(), cascade)
		default:
		}
	}
}

// dropTable drops a relation with its indexes, owned sequences,
// partitions and the foreign keys that reference it; with CASCADE, also
// the views and functions that depend on it.
func (r *replay) dropTable(key string, cascade bool) {
	t := r.c.tables.get(key)
	if t == nil {
		return
	}
	r.c.tables.del(key)
	delete(r.c.owned, key)
	for _, ix := range r.c.Indexes(key) {
		r.c.delIndex(indexKey(key, ix.Name))
	}
	for _, s := range r.c.sequences.values() {
		if strings.HasPrefix(s.OwnedBy, key+".") {
			r.c.sequences.del(s.Key)
		}
	}
	r.note(TableDropped, t, nil, "")
	for _, other := range r.c.Tables() {
		if other.PartitionOf == key {
			r.dropTable(other.Key, cascade)
			continue
		}
		// Only CASCADE drops a referenced table; when the statement
		// succeeds, the foreign keys that referenced it are gone.
		for _, con := range other.Constraints {
			if con.References == key {
				r.dropConstraint(r.c.mutable(other.Key), con.Name, false)
			}
		}
	}
	if cascade {
		r.dropDependents(t.ID, 0)
	}
}

// dropSchema drops a schema; with CASCADE, everything in it.
func (r *replay) dropSchema(name string, cascade bool) {
	r.c.schemas.del(name)
	if !cascade {
		return
	}
	in := func(key string) bool { return pgast.SchemaOf(key) == name }
	for _, t := range r.c.Tables() {
		if in(t.Key) {
			r.dropTable(t.Key, true)
		}
	}
	for _, f := range r.c.Functions("") {
		if in(f.Key) {
			r.c.functions.del(f.Signature())
		}
	}
	for _, s := range r.c.sequences.values() {
		if in(s.Key) {
			r.c.sequences.del(s.Key)
		}
	}
	for _, e := range r.c.enums.values() {
		if in(e.Key) {
			r.c.enums.del(e.Key)
		}
	}
	for _, d := range r.c.domains.values() {
		if in(d.Key) {
			r.c.domains.del(d.Key)
		}
	}
}

func (r *replay) rename(st *pg.RenameStmt) {
	key := pgast.RelName(st.GetRelation())
	switch st.GetRenameType() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		if t := r.c.mutable(key); t != nil {
			r.moveTable(t, indexKey(key, st.GetNewname()))
		}
	case pg.ObjectType_OBJECT_COLUMN:
		r.renameColumn(key, st)
	case pg.ObjectType_OBJECT_TABCONSTRAINT:
		if t := r.c.mutable(key); t != nil {
			r.renameConstraint(t, st.GetSubname(), st.GetNewname())
		}
	case pg.ObjectType_OBJECT_INDEX:
		if ix := r.c.indexes.get(key); ix != nil && ix.Constraint != "" {
			if t := r.c.mutable(ix.Table); t != nil {
				r.renameConstraint(t, ix.Constraint, st.GetNewname())
			}
		} else if ix != nil {
			r.renameIndex(key, st.GetNewname())
		}
	case pg.ObjectType_OBJECT_SEQUENCE:
		if s := r.c.sequences.get(key); s != nil {
			cp := *s
			cp.Key = indexKey(key, st.GetNewname())
			r.c.sequences.del(key)
			r.c.sequences.set(cp.Key, &cp)
		}
	case pg.ObjectType_OBJECT_TYPE, pg.ObjectType_OBJECT_DOMAIN:
		r.moveType(pgast.QualifyName(pgast.Strings(st.GetObject().GetList().GetItems())), func(k string) string { return indexKey(k, st.GetNewname()) })
	case pg.ObjectType_OBJECT_FUNCTION, pg.ObjectType_OBJECT_PROCEDURE, pg.ObjectType_OBJECT_ROUTINE:
		for _, f := range r.c.functionsNamed(st.GetObject().GetObjectWithArgs()) {
			r.moveFunction(f, indexKey(f.Key, st.GetNewname()))
		}
	case pg.ObjectType_OBJECT_SCHEMA:
		r.renameSchema(st.GetSubname(), st.GetNewname())
	default:
	}
}

// renameColumn renames a column, and its name in the table's constraints
// and indexes. A column of a table the history never created is added
// to its placeholder under the new name.
func (r *replay) renameColumn(key string, st *pg.RenameStmt) {
	t := r.c.mutable(key)
	if t == nil {
		if st.GetRelationType() != pg.ObjectType_OBJECT_TABLE || st.GetMissingOk() {
			return
		}
		t = r.placeholder(key)
	}
	old, name := st.GetSubname(), st.GetNewname()
	col := t.Column(old)
	if col == nil {
		if !t.Unknown {
			return
		}
		col = t.newColumn(&Column{Name: old})
	}
	col.Name = name
	r.forgetViews(t.ID, col.Num)
	for _, con := range t.Constraints {
		con.Columns = renamed(con.Columns, old, name)
		if slices.Contains(con.Uses, old) {
			con.Uses = renamed(con.Uses, old, name)
			con.Def = RenamedInConstraint(con.Def, old, name)
		}
		if con.NotNullOf == old {
			con.NotNullOf = name
		}
	}
	for _, ix := range r.c.Indexes(t.Key) {
		if slices.Contains(ix.uses, old) {
			cp := *ix
			cp.Columns = renamed(ix.Columns, old, name)
			cp.uses = renamed(ix.uses, old, name)
			cp.Def = RenamedInIndex(ix.Def, old, name)
			r.c.setIndex(indexKey(t.Key, ix.Name), &cp)
		}
	}
	r.note(ColumnRenamed, t, col, old)
}

// renamed returns list with old replaced by name, as a new slice.
func renamed(list []string, old, name string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		if s == old {
			s = name
		}
		out[i] = s
	}
	return out
}

// renameConstraint renames a constraint and the index behind it, which
// PostgreSQL keeps under the constraint's name.
func (r *replay) renameConstraint(t *Table, old, name string) {
	if con := t.Constraint(old); con != nil {
		con.Name = name
	}
	for _, ix := range r.c.Indexes(t.Key) {
		if ix.Constraint == old {
			r.renameIndex(indexKey(t.Key, ix.Name), name)
		}
	}
}

// renameIndex renames the index at key, and the constraint name it
// records when it backs one.
func (r *replay) renameIndex(key, name string) {
	cp := *r.c.indexes.get(key)
	cp.Name = name
	if cp.Constraint != "" {
		cp.Constraint = name
	}
	r.c.delIndex(key)
	r.c.setIndex(indexKey(key, name), &cp)
}

// moveTable gives t a new key (a rename, or a move to another schema),
// and moves its indexes and owned sequences along.
func (r *replay) moveTable(t *Table, key string) {
	old := t.Key
	r.forgetViews(t.ID, 0)
	r.c.tables.del(old)
	delete(r.c.owned, old)
	t.Key = key
	r.c.put(t)
	for _, ix := range r.c.Indexes(old) {
		cp := *ix
		cp.Table = key
		r.c.delIndex(indexKey(old, ix.Name))
		r.c.setIndex(indexKey(key, ix.Name), &cp)
	}
	for _, s := range r.c.sequences.values() {
		if strings.HasPrefix(s.OwnedBy, old+".") {
			cp := *s
			cp.OwnedBy = key + strings.TrimPrefix(s.OwnedBy, old)
			r.c.sequences.set(s.Key, &cp)
		}
	}
	for _, other := range r.c.Tables() {
		if other.PartitionOf == old {
			r.c.mutable(other.Key).PartitionOf = key
		}
		for i, con := range other.Constraints {
			if con.References == old {
				r.c.mutable(other.Key).Constraints[i].References = key
			}
		}
	}
	r.changes = append(r.changes, Change{Kind: TableRenamed, Table: t.ID, Key: key, OldKey: old, Relation: t.Kind, Unknown: t.Unknown})
}

func (r *replay) moveFunction(f *Function, key string) {
	cp := *f
	cp.Key = key
	r.c.functions.del(f.Signature())
	r.c.functions.set(cp.Signature(), &cp)
}

// moveEnum re-keys the enum at key with to(key).
func (r *replay) moveEnum(key string, to func(string) string) {
	if e := r.c.enums.get(key); e != nil {
		cp := *e
		cp.Key = to(key)
		r.c.enums.del(key)
		r.c.enums.set(cp.Key, &cp)
	}
}

// renameSchema moves every object of schema old to schema name.
func (r *replay) renameSchema(old, name string) {
	if s := r.c.schemas.get(old); s != nil {
		cp := *s
		cp.Name = name
		r.c.schemas.del(old)
		r.c.schemas.set(name, &cp)
	}
	in := func(key string) bool { return pgast.SchemaOf(key) == old }
	moved := func(key string) string { return name + "." + pgast.ObjectName(key) }
	for _, t := range r.c.Tables() {
		if in(t.Key) {
			r.moveTable(r.c.mutable(t.Key), moved(t.Key))
		}
	}
	for _, f := range r.c.Functions("") {
		if in(f.Key) {
			r.moveFunction(f, moved(f.Key))
		}
	}
	for _, s := range r.c.sequences.values() {
		if in(s.Key) {
			cp := *s
			cp.Key = moved(s.Key)
			r.c.sequences.del(s.Key)
			r.c.sequences.set(cp.Key, &cp)
		}
	}
	for _, e := range r.c.enums.values() {
		if in(e.Key) {
			r.moveEnum(e.Key, moved)
		}
	}
	for _, d := range r.c.domains.values() {
		if in(d.Key) {
			r.moveType(d.Key, moved)
		}
	}
}

// setSchema replays ALTER ... SET SCHEMA.
func (r *replay) setSchema(st *pg.AlterObjectSchemaStmt) {
	to := func(key string) string { return st.GetNewschema() + "." + pgast.ObjectName(key) }
	switch st.GetObjectType() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		key := pgast.RelName(st.GetRelation())
		if t := r.c.mutable(key); t != nil {
			r.moveTable(t, to(key))
		}
	case pg.ObjectType_OBJECT_SEQUENCE:
		key := pgast.RelName(st.GetRelation())
		if s := r.c.sequences.get(key); s != nil {
			cp := *s
			cp.Key = to(key)
			r.c.sequences.del(key)
			r.c.sequences.set(cp.Key, &cp)
		}
	case pg.ObjectType_OBJECT_TYPE, pg.ObjectType_OBJECT_DOMAIN:
		r.moveType(pgast.QualifyName(pgast.Strings(st.GetObject().GetList().GetItems())), to)
	case pg.ObjectType_OBJECT_FUNCTION, pg.ObjectType_OBJECT_PROCEDURE, pg.ObjectType_OBJECT_ROUTINE:
		for _, f := range r.c.functionsNamed(st.GetObject().GetObjectWithArgs()) {
			r.moveFunction(f, to(f.Key))
		}
	default:
	}
}
