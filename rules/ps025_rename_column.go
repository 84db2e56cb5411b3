package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RenameColumn reports ALTER TABLE ... RENAME COLUMN on an existing table
// (hazard catalog row 22).
func RenameColumn() *Rule {
	return &Rule{
		Code: "PS025", Name: "rename-column", Severity: Warning, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "RENAME COLUMN on an existing table.",
			Why: "The application servers still running the previous release keep using the old column name until they " +
				"are replaced, and every query of theirs that names it fails from the moment the migration commits. The " +
				"rename itself takes a brief ACCESS EXCLUSIVE lock. A swap is not reported: a column renamed away from a " +
				"name that another column takes in the same transaction (as the online rewrite of a type change does), " +
				"since code finds a column of that name before and after.",
			Bad: "ALTER TABLE accounts RENAME COLUMN name TO full_name;",
			Good: "-- expand, in this release: the new column, kept equal to the old one both ways\n" +
				"ALTER TABLE accounts ADD COLUMN full_name text;\n" +
				"-- a BEFORE INSERT OR UPDATE trigger copies whichever column a write set to the other;\n" +
				"-- backfill full_name in batches of the primary key; build name's indexes and constraints on full_name;\n" +
				"-- contract, a migration of a later release, once no running code names name:\n" +
				"BEGIN;\n" +
				"SET LOCAL lock_timeout = '2s';\n" +
				"DROP TRIGGER zz_pgsafe_sync_name ON accounts;\n" +
				"DROP FUNCTION accounts_name_pgsafe_sync();\n" +
				"ALTER TABLE accounts DROP COLUMN name;\n" +
				"COMMIT;",
			Help: "expand and contract: add the new column, keep both in sync, backfill, switch the code, then drop the old one " +
				"in a later release; or rename the table and put a view with the old names in its place in the same transaction",
			Locks: "ACCESS EXCLUSIVE, briefly; what breaks is the code still running that uses the old name.",
			FixSafety: "Unsafe: the rename becomes an expand in place of the statement and a contract migration that must ship " +
				"in a later release, once no running code names the old column; in between, code of both releases works. " +
				"A RENAME COLUMN of a table whose single-column primary key the catalog knows becomes: the new column, of " +
				"the same type and collation, with no default yet; a BEFORE INSERT OR UPDATE trigger (`zz_pgsafe_sync_<old>`) " +
				"that keeps the two equal both ways: on INSERT, a new column left NULL takes the old one's value (set or " +
				"defaulted), else its value is copied to the old one; on UPDATE, the column whose value changed wins (the " +
				"new one when both did), and when neither did the new one takes the old one's value; a backfill in batches " +
				"of batch-size rows of the primary key, each committed on its own; the old column's indexes built again " +
				"CONCURRENTLY on the new one (a UNIQUE constraint's too), its CHECK and FOREIGN KEY constraints and for a " +
				"NOT NULL column a CHECK (... IS NOT NULL) added NOT VALID and validated; ANALYZE of the new column. The " +
				"contract, a new migration of the file's tool named to run after it and headed by `-- pgsafe:contract " +
				"after <file>`, runs in one transaction with a lock_timeout: it drops the views that read the old column, " +
				"the trigger and its function, hands a serial column's sequence over, drops the old column (and with it " +
				"its indexes and constraints), gives the new one the default and NOT NULL (whose scan the validated CHECK " +
				"skips), the indexes and constraints their names, and creates the views again, reading the new column " +
				"under the name they gave the old one. The schema is then the rename's but for the column's place, at the " +
				"end of the table. What changes for users: until the contract, an INSERT by new code that sets the new " +
				"column to NULL explicitly while the old column has a default stores that default (the trigger cannot " +
				"tell it from an INSERT that left the column out), and an UPDATE that sets both columns to different " +
				"values keeps the new one's; the backfill's UPDATEs fire the table's other UPDATE triggers; column " +
				"privileges, comments and statistics targets, and the privileges and comments of the views created " +
				"again, are not carried over, nor is what the catalog does not track (a policy, rule or trigger that names " +
				"the old column makes the contract's DROP COLUMN fail). Display-only, saying why, in a down migration, " +
				"when the catalog does not know the table, its primary key, the column, its type or how its indexes " +
				"and constraints are defined; for the primary key itself, a column that foreign keys reference, an " +
				"identity or generated column or one that a generated column reads, a column an EXCLUDE constraint " +
				"uses or that a materialized view or SQL-standard function body reads; for a view that reads the " +
				"column other than from the table alone (a join, subquery, WITH or UNION), through *, or that other " +
				"views read; for a partitioned table, on PostgreSQL 11 for a NOT NULL column, and when the file's tool " +
				"cannot add the contract migration or a migration of the folder would run after it.",
			Versions:    "All versions.",
			CatalogRows: []int{22},
		},
		Check: checkRenameColumn,
	}
}

func checkRenameColumn(p *Pass) {
	rn := p.Stmt.Node.GetRenameStmt()
	if rn == nil || rn.GetRenameType() != pg.ObjectType_OBJECT_COLUMN || rn.GetRelationType() != pg.ObjectType_OBJECT_TABLE {
		return
	}
	table := pgast.RelName(rn.GetRelation())
	if p.IsNew(table) {
		return
	}
	if old := renamedFromInTx(p, table); old != "" && replacedByViewLater(p, old) {
		return // the rename-and-view recipe keeps the old name readable
	}
	if swapRename(p) {
		return // another column takes the name in the same transaction
	}
	mode := p.LockOn(table)
	p.Report(Diagnostic{
		Span: p.At(rn.GetRelation().GetLocation()),
		Message: fmt.Sprintf("renaming column %s of %s to %s breaks every query of code still running on the old schema that names %s; it %s",
			rn.GetSubname(), Display(table), rn.GetNewname(), rn.GetSubname(), LockImpact(mode, table, "briefly")),
		Lock:  mode,
		Table: Display(table),
		Fixes: []Fix{renameFix(p, table, rn)},
	})
}

// renamedFromInTx returns the key table had before an ALTER TABLE ...
// RENAME TO earlier in the current transaction, "" when there is none.
func renamedFromInTx(p *Pass, table string) string {
	if p.Stmt.Tx == nil {
		return ""
	}
	renamed := earlier(p, "renamed-tables", func(acc *map[string]string, st *migration.Statement) {
		rn := st.Node.GetRenameStmt()
		if rn == nil || rn.GetRenameType() != pg.ObjectType_OBJECT_TABLE {
			return
		}
		old := pgast.RelName(rn.GetRelation())
		if _, seen := (*acc)[renamedKey(old, rn.GetNewname())]; !seen {
			if *acc == nil {
				*acc = map[string]string{}
			}
			(*acc)[renamedKey(old, rn.GetNewname())] = old
		}
	})
	return (*renamed)[table]
}

// renamedKey returns the key of table old after RENAME TO newName: the
// new name in the old schema.
func renamedKey(old, newName string) string {
	for i := len(old) - 1; i >= 0; i-- {
		if old[i] == '.' {
			return old[:i+1] + newName
		}
	}
	return pgast.DefaultSchema + "." + newName
}
