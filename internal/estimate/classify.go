package estimate

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// ruleClasses are the classes of the rules whose findings always mean one
// kind of work: the rule has already decided (a default is volatile, a
// type change rewrites) what the statement alone does not show. Rules
// not listed report on statements of any kind (missing-lock-timeout,
// multiple-access-exclusive, ...), and their findings take the class of
// the statement.
var ruleClasses = map[string]Class{
	"PS001": IndexBuild,      // require-concurrent-index
	"PS002": IndexBuild,      // index-on-partitioned-table
	"PS004": IndexBuild,      // require-concurrent-reindex
	"PS005": IndexBuild,      // index-drop-and-recreate
	"PS006": IndexBuild,      // add-unique-constraint
	"PS007": IndexBuild,      // add-primary-key
	"PS008": IndexBuild,      // add-exclusion-constraint
	"PS009": ForeignKeyCheck, // add-foreign-key-validated
	"PS011": Scan,            // add-check-constraint-validated
	"PS012": Scan,            // set-not-null
	"PS014": Scan,            // validate-in-same-transaction: the scan runs under the ADD's lock
	"PS020": Rewrite,         // add-column-volatile-default
	"PS021": Rewrite,         // add-serial-or-identity-column
	"PS022": Rewrite,         // add-stored-generated-column
	"PS024": Rewrite,         // column-type-change
	"PS030": Rewrite,         // vacuum-full-or-cluster
	"PS032": Rewrite,         // set-logged-or-unlogged
	"PS033": Rewrite,         // set-tablespace: copies the heap and its indexes
	"PS034": RowUpdates,      // whole-table-update-or-delete: RowDeletes on a DELETE (findingClass)
	"PS043": Scan,            // attach-partition-scan
}

// RuleClass returns the class of the work behind every finding of the rule
// with code, and false for rules whose findings take the class of their
// statement.
func RuleClass(code string) (Class, bool) {
	c, ok := ruleClasses[code]
	return c, ok
}

// findingClass returns the class of the work behind a finding of the rule
// with code on a statement, and false when the finding takes the class of
// its statement: RuleClass's, except that whole-table-update-or-delete on
// a DELETE (deletes) deletes every row rather than updating it.
func findingClass(code string, deletes bool) (Class, bool) {
	c, ok := RuleClass(code)
	if c == RowUpdates && deletes {
		c = RowDeletes
	}
	return c, ok
}

// StatementClass returns the class of the work a statement does to the
// table it locks, as its parse tree shows it. What needs more than the
// tree (whether a default is volatile, whether a type change is binary
// coercible) the rules decide; see RuleClass.
func StatementClass(node *pg.Node) Class {
	switch n := node.GetNode().(type) {
	case *pg.Node_IndexStmt:
		return IndexBuild
	case *pg.Node_ReindexStmt:
		return IndexBuild
	case *pg.Node_ClusterStmt:
		return Rewrite
	case *pg.Node_RefreshMatViewStmt:
		if n.RefreshMatViewStmt.GetConcurrent() {
			// It computes the new contents beside the old and applies
			// the difference row by row: no price.
			return Unknown
		}
		// It writes the view anew, as a rewrite does, after running its
		// query, which no price covers (the estimate says so).
		return Rewrite
	case *pg.Node_VacuumStmt:
		for _, o := range n.VacuumStmt.GetOptions() {
			if o.GetDefElem().GetDefname() == "full" {
				return Rewrite
			}
		}
		return Unknown
	case *pg.Node_AlterTableStmt:
		c := Instant
		for _, cmd := range n.AlterTableStmt.GetCmds() {
			if k := alterTableCmdClass(cmd.GetAlterTableCmd()); k.rank() > c.rank() {
				c = k
			}
		}
		return c
	case *pg.Node_RenameStmt, *pg.Node_DropStmt, *pg.Node_TruncateStmt, *pg.Node_CreateTrigStmt,
		*pg.Node_CreateStmt, *pg.Node_LockStmt, *pg.Node_CommentStmt, *pg.Node_GrantStmt,
		*pg.Node_AlterObjectSchemaStmt, *pg.Node_AlterOwnerStmt, *pg.Node_CreatePolicyStmt:
		return Instant
	default:
		// An UPDATE or DELETE (whose WHERE only the rules judge: see
		// RuleClass), a DO block: their time depends on a query the
		// model cannot price.
		return Unknown
	}
}

// alterTableCmdClass returns the class of one ALTER TABLE subcommand.
func alterTableCmdClass(cmd *pg.AlterTableCmd) Class {
	switch cmd.GetSubtype() {
	case pg.AlterTableType_AT_AddColumn:
		for _, con := range cmd.GetDef().GetColumnDef().GetConstraints() {
			switch con.GetConstraint().GetContype() {
			case pg.ConstrType_CONSTR_IDENTITY, pg.ConstrType_CONSTR_GENERATED:
				return Rewrite
			default:
			}
		}
		return Instant
	case pg.AlterTableType_AT_AddConstraint:
		con := cmd.GetDef().GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE, pg.ConstrType_CONSTR_EXCLUSION:
			if con.GetIndexname() != "" {
				return Instant // USING INDEX: the index is already built
			}
			return IndexBuild
		case pg.ConstrType_CONSTR_CHECK:
			if con.GetSkipValidation() {
				return Instant
			}
			return Scan
		case pg.ConstrType_CONSTR_FOREIGN:
			if con.GetSkipValidation() {
				return Instant
			}
			return ForeignKeyCheck
		default:
			return Instant
		}
	case pg.AlterTableType_AT_ValidateConstraint:
		return Validation
	case pg.AlterTableType_AT_SetNotNull, pg.AlterTableType_AT_AttachPartition:
		return Scan
	case pg.AlterTableType_AT_AlterColumnType, pg.AlterTableType_AT_SetLogged, pg.AlterTableType_AT_SetUnLogged,
		pg.AlterTableType_AT_SetTableSpace:
		return Rewrite
	default:
		return Instant
	}
}

// stronger returns the costlier of two classes.
func stronger(a, b Class) Class {
	if b.rank() > a.rank() {
		return b
	}
	return a
}
