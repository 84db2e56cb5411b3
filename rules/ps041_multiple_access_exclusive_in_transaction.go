package rules

import (
	"fmt"
	"strconv"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// MultipleAccessExclusiveInTransaction reports, once per transaction,
// work that keeps an ACCESS EXCLUSIVE lock held for longer than an
// instant: a statement whose time grows with a table (a scan, a rewrite,
// an index build, a backfill) running after an earlier statement of the
// transaction took ACCESS EXCLUSIVE on an existing table, or a second
// ACCESS EXCLUSIVE on a table linked to a held one by a foreign key
// (hazard catalog row 39).
func MultipleAccessExclusiveInTransaction() *Rule {
	return &Rule{
		Code: "PS041", Name: "multiple-access-exclusive-in-transaction", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "A statement whose time grows with a table, or that locks a table linked by a foreign key, runs in a transaction that already holds ACCESS EXCLUSIVE on an existing table.",
			Why: "A lock is held until the transaction ends, not until the statement that took it ends. Once a statement " +
				"has taken ACCESS EXCLUSIVE on a table, every read and write of that table waits until COMMIT, so the " +
				"time of every later statement in the transaction is added to the outage. The rule reports a " +
				"transaction when a later statement does work that grows with a table: it scans one (VALIDATE " +
				"CONSTRAINT, SET NOT NULL, ADD CONSTRAINT without NOT VALID, ATTACH PARTITION), rewrites one (a type " +
				"change, a volatile default, SET LOGGED, SET TABLESPACE, VACUUM FULL, CLUSTER), builds an index " +
				"(CREATE INDEX, REINDEX, ADD PRIMARY KEY or UNIQUE without USING INDEX), or writes rows it has to find " +
				"(UPDATE, DELETE, MERGE, INSERT ... SELECT). It also reports a statement that takes ACCESS EXCLUSIVE on " +
				"a second existing table that a foreign key links to a table the transaction already holds: " +
				"PostgreSQL itself makes the application's writes touch both tables (an INSERT into the child checks " +
				"the parent, a DELETE from the parent checks the child), each in its own order, so a migration that " +
				"locks them one after the other can deadlock with the application, and keeps the first table " +
				"blocked while it waits. Statements that are instant whatever the table's size (ADD COLUMN with a " +
				"constant default from PostgreSQL 11, DROP COLUMN, a rename, a NOT VALID constraint, a default " +
				"change) are not reported, nor are two ACCESS EXCLUSIVE locks on tables no foreign key links: pgsafe " +
				"cannot know in which order the application touches those. The rule reports each transaction once, " +
				"at the first such statement, and names the lines of the others.",
			Bad: "BEGIN;\nALTER TABLE accounts ADD COLUMN flags int;\nUPDATE accounts SET flags = 0;\n" +
				"ALTER TABLE accounts ADD CONSTRAINT accounts_flags_check CHECK (flags >= 0);\nCOMMIT;",
			Good: "BEGIN;\nALTER TABLE accounts ADD COLUMN flags int,\n  ADD CONSTRAINT accounts_flags_check CHECK (flags >= 0) NOT VALID;\nCOMMIT;\n" +
				"-- then backfill in batches, each in its own short transaction\n" +
				"UPDATE accounts SET flags = 0 WHERE id >= 1 AND id < 10001 AND flags IS NULL;\n" +
				"-- and validate in a transaction of its own\n" +
				"ALTER TABLE accounts VALIDATE CONSTRAINT accounts_flags_check;",
			Help: "commit right after the statement that takes ACCESS EXCLUSIVE, and move scans, VALIDATE, index builds " +
				"and backfills to transactions of their own; lock tables linked by a foreign key in separate transactions",
			Locks:       "ACCESS EXCLUSIVE held until the transaction commits: every query on the table waits for all the statements that run after it.",
			FixSafety:   "Display-only: splitting a transaction changes what is atomic, so the split is left to a human.",
			Versions:    "All versions. The locks each statement takes follow the lock model for the target version; ADD COLUMN with a constant default rewrites the table before PostgreSQL 11.",
			CatalogRows: []int{39},
		},
		Check: checkMultipleAccessExclusive,
	}
}

func checkMultipleAccessExclusive(p *Pass) {
	if p.Stmt.Tx == nil {
		return
	}
	tx := earlier(p, "multiple-access-exclusive", func(acc *heldInTx, st *migration.Statement) {
		for _, l := range existingLocks(p, st, func(m locks.Mode) bool { return m == locks.AccessExclusive }) {
			if acc.by == nil {
				acc.lock, acc.by = l, st
			}
			if acc.tables == nil {
				acc.tables = map[string]int{}
			}
			if _, ok := acc.tables[l.Table]; !ok {
				acc.tables[l.Table] = st.Index
			}
		}
	})
	if tx.by == nil {
		return
	}
	reported := fileIndex(p, txKey{"multiple-access-exclusive-reported", p.Stmt.Tx}, func() *bool { return new(bool) })
	if *reported {
		return
	}
	what, linked := growingWork(p, p.Stmt), ""
	if what == "" {
		what, linked = deadlockRisk(p, tx)
		if what == "" {
			return
		}
	}
	*reported = true
	held, heldBy := tx.lock, tx.by
	line := p.Line(heldBy)
	var msg string
	related := []Related{p.RelatedTo(heldBy, "takes ACCESS EXCLUSIVE on "+held.table()+" until commit")}
	if linked != "" {
		at := tx.tables[linked]
		msg = fmt.Sprintf("%s while the transaction holds ACCESS EXCLUSIVE on %s (taken at line %d), which a foreign key links to it: "+
			"the application's writes lock the two tables in either order, so the migration can deadlock with them, and "+
			"reads and writes on %s stay blocked while it waits", what, Display(linked), p.Line(p.File.Statements[at]), Display(linked))
		related = []Related{p.RelatedTo(p.File.Statements[at], "takes ACCESS EXCLUSIVE on "+Display(linked)+" until commit")}
	} else {
		msg = fmt.Sprintf("%s while the transaction holds ACCESS EXCLUSIVE on %s (taken at line %d) until commit: "+
			"reads and writes on %s stay blocked for as long as it runs, which grows with the table", what, held.target(), line, held.table())
	}
	var more []string
	for _, st := range txAfter(p) {
		if growingWork(p, st) != "" {
			more = append(more, strconv.Itoa(p.Line(st)))
			related = append(related, p.RelatedTo(st, "runs later in the same transaction, with the lock still held"))
		}
	}
	if len(more) > 0 {
		msg += fmt.Sprintf("; so %s the %s at %s %s", plural(len(more), "does", "do"), plural(len(more), "statement", "statements"),
			plural(len(more), "line", "lines"), nameList(more))
	}
	title := fmt.Sprintf("Commit right after the statement at line %d and run this one in a transaction of its own", line)
	if sameAlterTarget(heldBy.Node, p.Stmt.Node) {
		title = fmt.Sprintf("Merge this ALTER TABLE into the one at line %d, or commit in between", line)
	}
	p.Report(Diagnostic{
		Message: msg,
		Lock:    locks.AccessExclusive,
		Table:   Display(held.Table),
		Fixes:   []Fix{Recipe(title)},
		Related: related,
	})
}

// heldInTx is what checkMultipleAccessExclusive gathers from the earlier
// statements of a transaction.
type heldInTx struct {
	by     *migration.Statement // the first to take ACCESS EXCLUSIVE on an existing table
	lock   tableLock            // that lock
	tables map[string]int       // each table held ACCESS EXCLUSIVE -> the index of the statement that took it
}

// deadlockRisk returns, when st takes ACCESS EXCLUSIVE on an existing
// table that the transaction does not hold yet and that a foreign key
// links to a table it holds, what st does and the held table; "" when it
// does not.
func deadlockRisk(p *Pass, tx *heldInTx) (what, linked string) {
	for _, l := range existingLocks(p, p.Stmt, func(m locks.Mode) bool { return m == locks.AccessExclusive }) {
		if _, ok := tx.tables[l.Table]; ok {
			continue
		}
		for _, other := range append(p.Catalog.References(l.Table), p.Catalog.ReferencedBy(l.Table)...) {
			if _, ok := tx.tables[other]; ok && other != l.Table {
				return "takes ACCESS EXCLUSIVE on " + l.target(), other
			}
		}
	}
	return "", ""
}

// growingWork says what st does whose time grows with the size of an
// existing table: "rewrites accounts", "builds an index on accounts",
// "scans accounts", "writes rows of accounts"; "" for a statement that is
// instant whatever the size (or that only touches tables created earlier
// in the file). For a statement other than the current one it reads the
// schema as of the current statement.
func growingWork(p *Pass, st *migration.Statement) string {
	existing := func(table string) bool { return table != "" && !p.File.IsNew(table, st.Index) }
	switch n := st.Node.GetNode().(type) {
	case *pg.Node_IndexStmt:
		if table := pgast.RelName(n.IndexStmt.GetRelation()); !n.IndexStmt.GetConcurrent() && existing(table) {
			return "builds an index on " + Display(table)
		}
	case *pg.Node_AlterTableStmt:
		if n.AlterTableStmt.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
			return ""
		}
		table := pgast.RelName(n.AlterTableStmt.GetRelation())
		if !existing(table) {
			return ""
		}
		for _, c := range n.AlterTableStmt.GetCmds() {
			if w := growingAlter(p, table, c.GetAlterTableCmd()); w != "" {
				return w
			}
		}
	case *pg.Node_ReindexStmt:
		if !pgast.OptionOn(n.ReindexStmt.GetParams(), "concurrently") {
			if ls := existingLocks(p, st, func(m locks.Mode) bool { return m >= locks.Share }); len(ls) > 0 {
				return "rebuilds the indexes of " + Display(ls[0].Table)
			}
		}
	case *pg.Node_VacuumStmt:
		if n.VacuumStmt.GetIsVacuumcmd() && pgast.OptionOn(n.VacuumStmt.GetOptions(), "full") {
			return "rewrites tables (VACUUM FULL)"
		}
	case *pg.Node_ClusterStmt:
		if table := pgast.RelName(n.ClusterStmt.GetRelation()); existing(table) {
			return "rewrites " + Display(table) + " (CLUSTER)"
		}
	case *pg.Node_RefreshMatViewStmt:
		if view := pgast.RelName(n.RefreshMatViewStmt.GetRelation()); existing(view) {
			return "recomputes materialized view " + Display(view)
		}
	default:
		if table := scannedTarget(p, st); table != "" {
			return "writes rows of " + Display(table)
		}
	}
	return ""
}

// growingAlter says what an ALTER TABLE subcommand on an existing table
// does whose time grows with the table, "" when it is instant.
func growingAlter(p *Pass, table string, cmd *pg.AlterTableCmd) string {
	t := p.Catalog.Table(table)
	switch cmd.GetSubtype() {
	case pg.AlterTableType_AT_AddColumn:
		cd := cmd.GetDef().GetColumnDef()
		typ, _ := pgast.TypeName(cd.GetTypeName())
		def := columnConstraint(cd, pg.ConstrType_CONSTR_DEFAULT)
		switch {
		case isSerialType(typ), columnConstraint(cd, pg.ConstrType_CONSTR_IDENTITY) != nil:
			return "rewrites " + Display(table) + " to number its rows"
		case columnConstraint(cd, pg.ConstrType_CONSTR_GENERATED) != nil:
			return "rewrites " + Display(table) + " to compute a stored generated column"
		case def == nil:
		case p.Options.PGVersion < 11:
			return "rewrites " + Display(table) + " to fill in a default (before PostgreSQL 11)"
		default:
			if fc, _ := pgast.FirstVolatileCall(def.GetRawExpr()); fc != nil {
				return "rewrites " + Display(table) + " to fill in a volatile default"
			}
		}
	case pg.AlterTableType_AT_AlterColumnType:
		if t != nil {
			if col := t.Column(cmd.GetName()); col != nil {
				newType, newMods := pgast.TypeName(cmd.GetDef().GetColumnDef().GetTypeName())
				if cmd.GetDef().GetColumnDef().GetRawDefault() == nil && typeChangeKind(col.Type, col.Mods, newType, newMods) == changeCompatible {
					return ""
				}
			}
		}
		return "rewrites " + Display(table) + " to change a column's type"
	case pg.AlterTableType_AT_SetNotNull:
		if !notNullScanSkipped(p, t, cmd.GetName()) {
			return "scans " + Display(table) + " for NULLs"
		}
	case pg.AlterTableType_AT_ValidateConstraint:
		return "scans " + Display(table) + " to validate a constraint"
	case pg.AlterTableType_AT_AddConstraint:
		con := cmd.GetDef().GetConstraint()
		switch con.GetContype() {
		case pg.ConstrType_CONSTR_CHECK, pg.ConstrType_CONSTR_FOREIGN:
			if !con.GetSkipValidation() {
				return "scans " + Display(table) + " to validate a constraint"
			}
		case pg.ConstrType_CONSTR_PRIMARY, pg.ConstrType_CONSTR_UNIQUE:
			if con.GetIndexname() == "" {
				return "builds an index on " + Display(table)
			}
		case pg.ConstrType_CONSTR_EXCLUSION:
			return "builds an index on " + Display(table)
		default:
		}
	case pg.AlterTableType_AT_SetLogged, pg.AlterTableType_AT_SetUnLogged, pg.AlterTableType_AT_SetTableSpace, pg.AlterTableType_AT_SetAccessMethod:
		return "rewrites " + Display(table)
	case pg.AlterTableType_AT_AttachPartition:
		return "scans the partition it attaches to " + Display(table)
	default:
	}
	return ""
}

// scannedTarget returns the existing table that an UPDATE, DELETE, MERGE
// or INSERT ... SELECT writes rows of, "" for other statements and for
// tables created earlier in the file.
func scannedTarget(p *Pass, st *migration.Statement) string {
	switch n := st.Node.GetNode().(type) {
	case *pg.Node_UpdateStmt, *pg.Node_DeleteStmt, *pg.Node_MergeStmt:
	case *pg.Node_InsertStmt:
		if len(n.InsertStmt.GetSelectStmt().GetSelectStmt().GetFromClause()) == 0 {
			return "" // INSERT ... VALUES writes the rows it lists
		}
	default:
		return ""
	}
	for _, l := range locksOf(p, st) {
		if l.Role == locks.RoleTarget && !p.File.IsNew(l.Relation, st.Index) {
			return l.Relation
		}
	}
	return ""
}

// sameAlterTarget reports whether a and b are both ALTER TABLE statements
// on the same table.
func sameAlterTarget(a, b *pg.Node) bool {
	x, y := a.GetAlterTableStmt(), b.GetAlterTableStmt()
	if x == nil || y == nil || x.GetObjtype() != pg.ObjectType_OBJECT_TABLE || y.GetObjtype() != pg.ObjectType_OBJECT_TABLE {
		return false
	}
	return pgast.RelName(x.GetRelation()) == pgast.RelName(y.GetRelation())
}
