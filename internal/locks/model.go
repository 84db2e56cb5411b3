package locks

import (
	"slices"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Role says why a statement locks a relation.
type Role string

// The roles a locked relation can play in a statement.
const (
	RoleTarget     Role = "target"     // the table the statement changes
	RoleReferenced Role = "referenced" // a table referenced by a foreign key
	RoleParent     Role = "parent"     // a partitioned parent
	RolePartition  Role = "partition"  // a partition being attached or detached
	RoleIndex      Role = "index"      // an index named by the statement
	RoleRead       Role = "read"       // a table read by a query
)

// Lock is one table-level lock that a statement takes.
type Lock struct {
	Relation string // "schema.name"
	Mode     Mode
	Role     Role
}

// alterTableModes maps each ALTER TABLE subcommand to the lock it takes on
// the table, following PostgreSQL's AlterTableGetLockLevel. Subcommands
// whose lock depends on their arguments or on the server version are
// resolved in AlterTableCmdMode.
var alterTableModes = map[pg.AlterTableType]Mode{
	pg.AlterTableType_AT_AddColumn:                 AccessExclusive,
	pg.AlterTableType_AT_AddColumnToView:           AccessExclusive,
	pg.AlterTableType_AT_ColumnDefault:             AccessExclusive,
	pg.AlterTableType_AT_CookedColumnDefault:       AccessExclusive,
	pg.AlterTableType_AT_DropNotNull:               AccessExclusive,
	pg.AlterTableType_AT_SetNotNull:                AccessExclusive,
	pg.AlterTableType_AT_SetExpression:             AccessExclusive,
	pg.AlterTableType_AT_DropExpression:            AccessExclusive,
	pg.AlterTableType_AT_CheckNotNull:              AccessExclusive,
	pg.AlterTableType_AT_SetStatistics:             ShareUpdateExclusive,
	pg.AlterTableType_AT_SetOptions:                ShareUpdateExclusive,
	pg.AlterTableType_AT_ResetOptions:              ShareUpdateExclusive,
	pg.AlterTableType_AT_SetStorage:                AccessExclusive,
	pg.AlterTableType_AT_SetCompression:            AccessExclusive,
	pg.AlterTableType_AT_DropColumn:                AccessExclusive,
	pg.AlterTableType_AT_AddIndex:                  Share,
	pg.AlterTableType_AT_ReAddIndex:                Share,
	pg.AlterTableType_AT_AddConstraint:             AccessExclusive, // FOREIGN KEY: see AlterTableCmdMode
	pg.AlterTableType_AT_ReAddConstraint:           AccessExclusive,
	pg.AlterTableType_AT_ReAddDomainConstraint:     AccessExclusive,
	pg.AlterTableType_AT_AlterConstraint:           AccessExclusive,
	pg.AlterTableType_AT_ValidateConstraint:        ShareUpdateExclusive,
	pg.AlterTableType_AT_AddIndexConstraint:        AccessExclusive,
	pg.AlterTableType_AT_DropConstraint:            AccessExclusive,
	pg.AlterTableType_AT_ReAddComment:              AccessExclusive,
	pg.AlterTableType_AT_AlterColumnType:           AccessExclusive,
	pg.AlterTableType_AT_AlterColumnGenericOptions: AccessExclusive,
	pg.AlterTableType_AT_ChangeOwner:               AccessExclusive,
	pg.AlterTableType_AT_ClusterOn:                 ShareUpdateExclusive,
	pg.AlterTableType_AT_DropCluster:               ShareUpdateExclusive,
	pg.AlterTableType_AT_SetLogged:                 AccessExclusive,
	pg.AlterTableType_AT_SetUnLogged:               AccessExclusive,
	pg.AlterTableType_AT_DropOids:                  AccessExclusive,
	pg.AlterTableType_AT_SetAccessMethod:           AccessExclusive,
	pg.AlterTableType_AT_SetTableSpace:             AccessExclusive,
	pg.AlterTableType_AT_SetRelOptions:             ShareUpdateExclusive,
	pg.AlterTableType_AT_ResetRelOptions:           ShareUpdateExclusive,
	pg.AlterTableType_AT_ReplaceRelOptions:         AccessExclusive,
	pg.AlterTableType_AT_EnableTrig:                ShareRowExclusive,
	pg.AlterTableType_AT_EnableAlwaysTrig:          ShareRowExclusive,
	pg.AlterTableType_AT_EnableReplicaTrig:         ShareRowExclusive,
	pg.AlterTableType_AT_DisableTrig:               ShareRowExclusive,
	pg.AlterTableType_AT_EnableTrigAll:             ShareRowExclusive,
	pg.AlterTableType_AT_DisableTrigAll:            ShareRowExclusive,
	pg.AlterTableType_AT_EnableTrigUser:            ShareRowExclusive,
	pg.AlterTableType_AT_DisableTrigUser:           ShareRowExclusive,
	pg.AlterTableType_AT_EnableRule:                AccessExclusive,
	pg.AlterTableType_AT_EnableAlwaysRule:          AccessExclusive,
	pg.AlterTableType_AT_EnableReplicaRule:         AccessExclusive,
	pg.AlterTableType_AT_DisableRule:               AccessExclusive,
	pg.AlterTableType_AT_AddInherit:                AccessExclusive,
	pg.AlterTableType_AT_DropInherit:               AccessExclusive,
	pg.AlterTableType_AT_AddOf:                     AccessExclusive,
	pg.AlterTableType_AT_DropOf:                    AccessExclusive,
	pg.AlterTableType_AT_ReplicaIdentity:           AccessExclusive,
	pg.AlterTableType_AT_EnableRowSecurity:         AccessExclusive,
	pg.AlterTableType_AT_DisableRowSecurity:        AccessExclusive,
	pg.AlterTableType_AT_ForceRowSecurity:          AccessExclusive,
	pg.AlterTableType_AT_NoForceRowSecurity:        AccessExclusive,
	pg.AlterTableType_AT_GenericOptions:            AccessExclusive,
	pg.AlterTableType_AT_AttachPartition:           ShareUpdateExclusive, // AccessExclusive before 12
	pg.AlterTableType_AT_DetachPartition:           AccessExclusive,      // ShareUpdateExclusive when CONCURRENTLY
	pg.AlterTableType_AT_DetachPartitionFinalize:   ShareUpdateExclusive,
	pg.AlterTableType_AT_AddIdentity:               AccessExclusive,
	pg.AlterTableType_AT_SetIdentity:               AccessExclusive,
	pg.AlterTableType_AT_DropIdentity:              AccessExclusive,
	pg.AlterTableType_AT_ReAddStatistics:           ShareUpdateExclusive,
}

// AlterTableCmdMode returns the lock that one ALTER TABLE subcommand takes
// on its table on PostgreSQL major version version.
func AlterTableCmdMode(cmd *pg.AlterTableCmd, version int) Mode {
	switch cmd.GetSubtype() {
	case pg.AlterTableType_AT_AddConstraint:
		if c := cmd.GetDef().GetConstraint(); c != nil && c.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
			return ShareRowExclusive
		}
	case pg.AlterTableType_AT_AttachPartition:
		if version < 12 {
			return AccessExclusive
		}
	case pg.AlterTableType_AT_DetachPartition:
		if cmd.GetDef().GetPartitionCmd().GetConcurrent() {
			return ShareUpdateExclusive
		}
	default:
	}
	if m, ok := alterTableModes[cmd.GetSubtype()]; ok {
		return m
	}
	return AccessExclusive // an unmodelled subcommand: assume the strongest
}

// Statement returns the table-level locks that the statement node takes on
// PostgreSQL major version version, strongest first per relation. It lists
// locks on relations named in the statement; objects the statement creates
// are not listed.
func Statement(node *pg.Node, version int) []Lock {
	var ls lockSet
	switch n := node.GetNode().(type) {
	case *pg.Node_IndexStmt:
		mode := Share
		if n.IndexStmt.GetConcurrent() {
			mode = ShareUpdateExclusive
		}
		ls.add(pgast.RelName(n.IndexStmt.GetRelation()), mode, RoleTarget)
	case *pg.Node_AlterTableStmt:
		alterTable(&ls, n.AlterTableStmt, version)
	case *pg.Node_CreateStmt:
		createTable(&ls, n.CreateStmt)
	case *pg.Node_DropStmt:
		dropStmt(&ls, n.DropStmt, version)
	case *pg.Node_TruncateStmt:
		for _, r := range n.TruncateStmt.GetRelations() {
			ls.add(pgast.RelName(r.GetRangeVar()), AccessExclusive, RoleTarget)
		}
	case *pg.Node_ReindexStmt:
		reindex(&ls, n.ReindexStmt)
	case *pg.Node_VacuumStmt:
		vacuum(&ls, n.VacuumStmt)
	case *pg.Node_ClusterStmt:
		ls.add(pgast.RelName(n.ClusterStmt.GetRelation()), ClusterMode, RoleTarget)
	case *pg.Node_RefreshMatViewStmt:
		mode := AccessExclusive
		if n.RefreshMatViewStmt.GetConcurrent() {
			mode = Exclusive
		}
		ls.add(pgast.RelName(n.RefreshMatViewStmt.GetRelation()), mode, RoleTarget)
	case *pg.Node_CreateTrigStmt:
		ls.add(pgast.RelName(n.CreateTrigStmt.GetRelation()), ShareRowExclusive, RoleTarget)
	case *pg.Node_RuleStmt:
		ls.add(pgast.RelName(n.RuleStmt.GetRelation()), AccessExclusive, RoleTarget)
	case *pg.Node_CreatePolicyStmt:
		ls.add(pgast.RelName(n.CreatePolicyStmt.GetTable()), AccessExclusive, RoleTarget)
	case *pg.Node_AlterPolicyStmt:
		ls.add(pgast.RelName(n.AlterPolicyStmt.GetTable()), AccessExclusive, RoleTarget)
	case *pg.Node_RenameStmt:
		rename(&ls, n.RenameStmt, version)
	case *pg.Node_AlterSeqStmt:
		ls.add(pgast.RelName(n.AlterSeqStmt.GetSequence()), ShareRowExclusive, RoleTarget)
	case *pg.Node_LockStmt:
		mode := Mode(n.LockStmt.GetMode())
		for _, r := range n.LockStmt.GetRelations() {
			ls.add(pgast.RelName(r.GetRangeVar()), mode, RoleTarget)
		}
	case *pg.Node_UpdateStmt:
		ls.add(pgast.RelName(n.UpdateStmt.GetRelation()), RowExclusive, RoleTarget)
	case *pg.Node_DeleteStmt:
		ls.add(pgast.RelName(n.DeleteStmt.GetRelation()), RowExclusive, RoleTarget)
	case *pg.Node_InsertStmt:
		ls.add(pgast.RelName(n.InsertStmt.GetRelation()), RowExclusive, RoleTarget)
	case *pg.Node_MergeStmt:
		ls.add(pgast.RelName(n.MergeStmt.GetRelation()), RowExclusive, RoleTarget)
	case *pg.Node_CommentStmt:
		name := pgast.Strings(n.CommentStmt.GetObject().GetList().GetItems())
		switch {
		case isRelationObject(n.CommentStmt.GetObjtype()):
			ls.add(pgast.QualifyName(name), ShareUpdateExclusive, RoleTarget)
		case n.CommentStmt.GetObjtype() == pg.ObjectType_OBJECT_COLUMN && len(name) > 1:
			ls.add(pgast.QualifyName(name[:len(name)-1]), ShareUpdateExclusive, RoleTarget)
		default:
		}
	case *pg.Node_AlterObjectSchemaStmt:
		if rv := n.AlterObjectSchemaStmt.GetRelation(); rv != nil {
			ls.add(pgast.RelName(rv), AccessExclusive, RoleTarget)
		}
	case *pg.Node_ViewStmt:
		// CREATE OR REPLACE VIEW of an existing view.
		if n.ViewStmt.GetReplace() {
			ls.add(pgast.RelName(n.ViewStmt.GetView()), AccessExclusive, RoleTarget)
		}
	case *pg.Node_CreateStatsStmt:
		for _, r := range n.CreateStatsStmt.GetRelations() {
			ls.add(pgast.RelName(r.GetRangeVar()), ShareUpdateExclusive, RoleTarget)
		}
	case *pg.Node_CreatePublicationStmt:
		publicationTables(&ls, n.CreatePublicationStmt.GetPubobjects())
	case *pg.Node_AlterPublicationStmt:
		publicationTables(&ls, n.AlterPublicationStmt.GetPubobjects())
	default:
	}
	return ls.locks
}

// publicationTables adds the lock that adding a table to a publication,
// or dropping it from one, takes on the table.
func publicationTables(ls *lockSet, objects []*pg.Node) {
	for _, o := range objects {
		if t := o.GetPublicationObjSpec().GetPubtable(); t != nil {
			ls.add(pgast.RelName(t.GetRelation()), ShareUpdateExclusive, RoleTarget)
		}
	}
}

func alterTable(ls *lockSet, st *pg.AlterTableStmt, version int) {
	rel := pgast.RelName(st.GetRelation())
	for _, c := range st.GetCmds() {
		cmd := c.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		mode := AlterTableCmdMode(cmd, version)
		switch cmd.GetSubtype() {
		case pg.AlterTableType_AT_AttachPartition:
			ls.add(rel, mode, RoleParent)
			ls.add(pgast.RelName(cmd.GetDef().GetPartitionCmd().GetName()), AccessExclusive, RolePartition)
			continue
		case pg.AlterTableType_AT_DetachPartition:
			ls.add(rel, mode, RoleParent)
			ls.add(pgast.RelName(cmd.GetDef().GetPartitionCmd().GetName()), mode, RolePartition)
			continue
		case pg.AlterTableType_AT_AddConstraint:
			if c := cmd.GetDef().GetConstraint(); c.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
				ls.add(pgast.RelName(c.GetPktable()), ShareRowExclusive, RoleReferenced)
			}
		case pg.AlterTableType_AT_AddInherit:
			// The new parent is locked against concurrent schema changes.
			ls.add(pgast.RelName(cmd.GetDef().GetRangeVar()), ShareUpdateExclusive, RoleParent)
		case pg.AlterTableType_AT_DropInherit:
			ls.add(pgast.RelName(cmd.GetDef().GetRangeVar()), AccessShare, RoleParent)
		case pg.AlterTableType_AT_AddColumn:
			for _, c := range cmd.GetDef().GetColumnDef().GetConstraints() {
				if con := c.GetConstraint(); con.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
					ls.add(pgast.RelName(con.GetPktable()), ShareRowExclusive, RoleReferenced)
				}
			}
		default:
		}
		ls.add(rel, mode, RoleTarget)
	}
}

func createTable(ls *lockSet, st *pg.CreateStmt) {
	addRef := func(con *pg.Constraint) {
		if con.GetContype() == pg.ConstrType_CONSTR_FOREIGN {
			ls.add(pgast.RelName(con.GetPktable()), ShareRowExclusive, RoleReferenced)
		}
	}
	for _, e := range st.GetTableElts() {
		if cd := e.GetColumnDef(); cd != nil {
			for _, c := range cd.GetConstraints() {
				addRef(c.GetConstraint())
			}
		}
		addRef(e.GetConstraint())
	}
	for _, c := range st.GetConstraints() {
		addRef(c.GetConstraint())
	}
	if st.GetPartbound() != nil {
		for _, p := range st.GetInhRelations() {
			ls.add(pgast.RelName(p.GetRangeVar()), AccessExclusive, RoleParent)
		}
	}
}

func dropStmt(ls *lockSet, st *pg.DropStmt, version int) {
	switch st.GetRemoveType() {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_SEQUENCE, pg.ObjectType_OBJECT_FOREIGN_TABLE:
		for _, o := range st.GetObjects() {
			ls.add(pgast.QualifyName(pgast.Strings(o.GetList().GetItems())), AccessExclusive, RoleTarget)
		}
	case pg.ObjectType_OBJECT_INDEX:
		mode := AccessExclusive
		if st.GetConcurrent() {
			mode = ShareUpdateExclusive
		}
		for _, o := range st.GetObjects() {
			ls.add(pgast.QualifyName(pgast.Strings(o.GetList().GetItems())), mode, RoleIndex)
		}
	case pg.ObjectType_OBJECT_TRIGGER, pg.ObjectType_OBJECT_RULE, pg.ObjectType_OBJECT_POLICY:
		// DROP TRIGGER t ON tbl: the object list is the table's name then the trigger's.
		for _, o := range st.GetObjects() {
			parts := pgast.Strings(o.GetList().GetItems())
			if len(parts) > 1 {
				ls.add(pgast.QualifyName(parts[:len(parts)-1]), AccessExclusive, RoleTarget)
			}
		}
	default:
	}
	_ = version
}

func reindex(ls *lockSet, st *pg.ReindexStmt) {
	concurrent := pgast.ReindexConcurrent(st)
	mode := Share
	if concurrent {
		mode = ShareUpdateExclusive
	}
	switch st.GetKind() {
	case pg.ReindexObjectType_REINDEX_OBJECT_TABLE:
		ls.add(pgast.RelName(st.GetRelation()), mode, RoleTarget)
	case pg.ReindexObjectType_REINDEX_OBJECT_INDEX:
		indexMode := AccessExclusive
		if concurrent {
			indexMode = ShareUpdateExclusive
		}
		ls.add(pgast.RelName(st.GetRelation()), indexMode, RoleIndex)
	default:
	}
}

// OnIndexTable returns the lock that node takes on the table of the index
// it names, for the statements that name an index instead of its table:
// DROP INDEX takes ACCESS EXCLUSIVE on the table and REINDEX INDEX takes
// SHARE, both SHARE UPDATE EXCLUSIVE when CONCURRENTLY. Statement cannot
// list that lock because only a catalog knows which table the index is on.
// It returns None for other statements.
func OnIndexTable(node *pg.Node) Mode {
	switch n := node.GetNode().(type) {
	case *pg.Node_DropStmt:
		if n.DropStmt.GetRemoveType() != pg.ObjectType_OBJECT_INDEX {
			return None
		}
		if n.DropStmt.GetConcurrent() {
			return ShareUpdateExclusive
		}
		return AccessExclusive
	case *pg.Node_ReindexStmt:
		if n.ReindexStmt.GetKind() != pg.ReindexObjectType_REINDEX_OBJECT_INDEX {
			return None
		}
		if pgast.ReindexConcurrent(n.ReindexStmt) {
			return ShareUpdateExclusive
		}
		return Share
	default:
		return None
	}
}

// OnDefaultPartition returns the lock that node takes on the default
// partition of the partitioned table it adds a partition to, when there
// is one: ATTACH PARTITION and CREATE TABLE ... PARTITION OF scan the
// default partition under ACCESS EXCLUSIVE for rows that belong to the
// new partition. It returns None for other statements, and for a new
// default partition itself.
func OnDefaultPartition(node *pg.Node) Mode {
	switch n := node.GetNode().(type) {
	case *pg.Node_AlterTableStmt:
		for _, cmd := range pgast.AlterCmds(n.AlterTableStmt, pg.AlterTableType_AT_AttachPartition) {
			if !cmd.GetDef().GetPartitionCmd().GetBound().GetIsDefault() {
				return AccessExclusive
			}
		}
	case *pg.Node_CreateStmt:
		if b := n.CreateStmt.GetPartbound(); b != nil && !b.GetIsDefault() {
			return AccessExclusive
		}
	default:
	}
	return None
}

// OnTableIndexes returns the lock that node takes on each index of the
// table it names: REINDEX TABLE takes ACCESS EXCLUSIVE on every index of
// the table, SHARE UPDATE EXCLUSIVE when CONCURRENTLY. It returns None for
// other statements.
func OnTableIndexes(node *pg.Node) Mode {
	st := node.GetReindexStmt()
	if st.GetKind() != pg.ReindexObjectType_REINDEX_OBJECT_TABLE {
		return None
	}
	if pgast.ReindexConcurrent(st) {
		return ShareUpdateExclusive
	}
	return AccessExclusive
}

// OnPartitions returns the lock that node takes on each partition when the
// table it names is partitioned: CREATE INDEX without ONLY builds the index
// on every partition under the same lock it takes on the parent. It returns
// None for other statements.
func OnPartitions(node *pg.Node) Mode {
	ix := node.GetIndexStmt()
	if ix == nil || !ix.GetRelation().GetInh() {
		return None
	}
	if ix.GetConcurrent() {
		return ShareUpdateExclusive
	}
	return Share
}

func vacuum(ls *lockSet, st *pg.VacuumStmt) {
	mode := VacuumMode(st)
	for _, r := range st.GetRels() {
		ls.add(pgast.RelName(r.GetVacuumRelation().GetRelation()), mode, RoleTarget)
	}
}

// VacuumMode returns the lock that VACUUM or ANALYZE takes on each table
// it processes, also when it names none and so processes them all:
// ACCESS EXCLUSIVE for VACUUM FULL, else SHARE UPDATE EXCLUSIVE.
func VacuumMode(st *pg.VacuumStmt) Mode {
	if st.GetIsVacuumcmd() && pgast.OptionOn(st.GetOptions(), "full") {
		return AccessExclusive
	}
	return ShareUpdateExclusive
}

// ClusterMode is the lock that CLUSTER takes on each table it rewrites,
// also when it names none.
const ClusterMode = AccessExclusive

func rename(ls *lockSet, st *pg.RenameStmt, version int) {
	rel := pgast.RelName(st.GetRelation())
	switch st.GetRenameType() {
	case pg.ObjectType_OBJECT_INDEX:
		mode := AccessExclusive
		if version >= 12 {
			mode = ShareUpdateExclusive
		}
		ls.add(rel, mode, RoleIndex)
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_COLUMN, pg.ObjectType_OBJECT_TABCONSTRAINT,
		pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_SEQUENCE,
		pg.ObjectType_OBJECT_TRIGGER, pg.ObjectType_OBJECT_RULE, pg.ObjectType_OBJECT_POLICY:
		ls.add(rel, AccessExclusive, RoleTarget)
	default:
	}
}

func isRelationObject(t pg.ObjectType) bool {
	switch t {
	case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_VIEW, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_INDEX, pg.ObjectType_OBJECT_SEQUENCE:
		return true
	default:
		return false
	}
}

// lockSet collects locks, keeping the strongest mode per relation and role.
type lockSet struct{ locks []Lock }

func (s *lockSet) add(rel string, mode Mode, role Role) {
	if rel == "" || mode == None {
		return
	}
	for i := range s.locks {
		if s.locks[i].Relation == rel && s.locks[i].Role == role {
			if mode > s.locks[i].Mode {
				s.locks[i].Mode = mode
			}
			return
		}
	}
	s.locks = append(s.locks, Lock{Relation: rel, Mode: mode, Role: role})
}

// Strongest returns the strongest mode among locks on relation rel, or
// None when the statement does not lock it.
func Strongest(ls []Lock, rel string) Mode {
	m := None
	for _, l := range ls {
		if l.Relation == rel && l.Mode > m {
			m = l.Mode
		}
	}
	return m
}

// ForeignKeyDropMode is the lock that dropping a foreign key, alone or
// with its table, takes on the table at its other end: the constraint's
// triggers live there too, and removing a trigger takes ACCESS EXCLUSIVE
// on its table (RemoveTriggerById).
const ForeignKeyDropMode = AccessExclusive

// ForeignKeys answers which tables are linked to a table by foreign keys,
// as the schema catalog knows them. The functions take and return
// "schema.name" keys; any may be nil.
type ForeignKeys struct {
	// References returns the tables that table's foreign keys reference.
	References func(table string) []string
	// ReferencedBy returns the tables whose foreign keys reference table.
	ReferencedBy func(table string) []string
	// Involving returns the foreign keys of table and those that
	// reference it.
	Involving func(table string) []ForeignKey
}

// ForeignKey is one foreign key constraint.
type ForeignKey struct {
	Name       string
	Table      string // the referencing table
	Columns    []string
	References string // the referenced table
	RefColumns []string
}

// Related returns the locks that the statement node takes on tables it
// does not name but reaches through foreign keys, which fks describes:
//
//   - DROP TABLE drops the table's foreign keys, taking
//     ForeignKeyDropMode on each table they reference. With CASCADE it
//     also drops the foreign keys of the tables that reference it, taking
//     ForeignKeyDropMode on each of them.
//   - TRUNCATE ... CASCADE truncates, under ACCESS EXCLUSIVE, every table
//     whose foreign keys reference a truncated table, transitively
//     (ExecuteTruncate).
//   - ALTER TABLE ... DROP CONSTRAINT of a foreign key, and DROP COLUMN of
//     one of its columns, drop it: ForeignKeyDropMode on the table it
//     references. DROP COLUMN ... CASCADE of a referenced column drops the
//     foreign keys that reference it: ForeignKeyDropMode on their tables.
//   - ALTER COLUMN ... TYPE of a column of a foreign key, or of a column
//     one references, rebuilds the foreign key: ForeignKeyDropMode on the
//     table at its other end.
//
// The locks have RoleReferenced; tables already named by the statement
// are left out.
func Related(node *pg.Node, fks ForeignKeys) []Lock {
	var ls lockSet
	named := map[string]bool{}
	switch n := node.GetNode().(type) {
	case *pg.Node_DropStmt:
		if n.DropStmt.GetRemoveType() != pg.ObjectType_OBJECT_TABLE {
			return nil
		}
		var tables []string
		for _, o := range n.DropStmt.GetObjects() {
			t := pgast.QualifyName(pgast.Strings(o.GetList().GetItems()))
			named[t] = true
			tables = append(tables, t)
		}
		for _, t := range tables {
			if fks.References != nil {
				for _, r := range fks.References(t) {
					if !named[r] {
						ls.add(r, ForeignKeyDropMode, RoleReferenced)
					}
				}
			}
			if fks.ReferencedBy != nil && n.DropStmt.GetBehavior() == pg.DropBehavior_DROP_CASCADE {
				for _, r := range fks.ReferencedBy(t) {
					if !named[r] {
						ls.add(r, ForeignKeyDropMode, RoleReferenced)
					}
				}
			}
		}
	case *pg.Node_AlterTableStmt:
		if fks.Involving == nil {
			return nil
		}
		alterForeignKeys(&ls, n.AlterTableStmt, fks.Involving(pgast.RelName(n.AlterTableStmt.GetRelation())))
	case *pg.Node_TruncateStmt:
		if n.TruncateStmt.GetBehavior() != pg.DropBehavior_DROP_CASCADE || fks.ReferencedBy == nil {
			return nil
		}
		var queue []string
		for _, r := range n.TruncateStmt.GetRelations() {
			t := pgast.RelName(r.GetRangeVar())
			named[t] = true
			queue = append(queue, t)
		}
		seen := map[string]bool{}
		for len(queue) > 0 {
			t := queue[0]
			queue = queue[1:]
			for _, r := range fks.ReferencedBy(t) {
				if named[r] || seen[r] {
					continue
				}
				seen[r] = true
				ls.add(r, AccessExclusive, RoleReferenced)
				queue = append(queue, r)
			}
		}
	default:
	}
	return ls.locks
}

// alterForeignKeys adds the locks that the subcommands of st take on the
// tables at the other end of the foreign keys they drop or rebuilds,
// among fks, the foreign keys of st's table and those that reference it.
func alterForeignKeys(ls *lockSet, st *pg.AlterTableStmt, fks []ForeignKey) {
	rel := pgast.RelName(st.GetRelation())
	add := func(table string) {
		if table != rel {
			ls.add(table, ForeignKeyDropMode, RoleReferenced)
		}
	}
	for _, c := range st.GetCmds() {
		cmd := c.GetAlterTableCmd()
		for _, fk := range fks {
			own, referencing := fk.Table == rel, fk.References == rel
			switch cmd.GetSubtype() {
			case pg.AlterTableType_AT_DropConstraint:
				if own && fk.Name == cmd.GetName() {
					add(fk.References)
				}
			case pg.AlterTableType_AT_DropColumn:
				if own && slices.Contains(fk.Columns, cmd.GetName()) {
					add(fk.References)
				}
				if referencing && slices.Contains(fk.RefColumns, cmd.GetName()) && cmd.GetBehavior() == pg.DropBehavior_DROP_CASCADE {
					add(fk.Table)
				}
			case pg.AlterTableType_AT_AlterColumnType:
				if own && slices.Contains(fk.Columns, cmd.GetName()) {
					add(fk.References)
				}
				if referencing && slices.Contains(fk.RefColumns, cmd.GetName()) {
					add(fk.Table)
				}
			default:
			}
		}
	}
}
