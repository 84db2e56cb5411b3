package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RequireConcurrentDropIndex reports DROP INDEX without CONCURRENTLY
// (hazard catalog row 3), and DROP INDEX of an index that backs a
// constraint, which PostgreSQL refuses.
func RequireConcurrentDropIndex() *Rule {
	return &Rule{
		Code: "PS003", Name: "require-concurrent-drop-index", Severity: Warning, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "DROP INDEX without CONCURRENTLY.",
			Why: "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, but " +
				"the lock request waits behind every open transaction that touched the table, and while it waits every " +
				"new query on the table, SELECT included, queues behind it. DROP INDEX CONCURRENTLY takes SHARE UPDATE " +
				"EXCLUSIVE instead and waits for running queries without blocking new ones. It must run outside a " +
				"transaction, drops one index per statement, and cannot be combined with CASCADE. An index that backs " +
				"a PRIMARY KEY, UNIQUE or EXCLUDE constraint cannot be dropped with DROP INDEX at all: drop the constraint.",
			Bad:   "DROP INDEX accounts_email_idx;",
			Good:  "DROP INDEX CONCURRENTLY IF EXISTS accounts_email_idx;",
			Help:  "drop it with DROP INDEX CONCURRENTLY IF EXISTS, one index per statement, outside a transaction",
			Locks: "ACCESS EXCLUSIVE on the index's table: held briefly, but while it waits behind running transactions every new query on the table, SELECT included, queues behind it.",
			FixSafety: "Safe for a DROP INDEX of one index that the migrations create, without CASCADE: adds CONCURRENTLY " +
				"and takes the statement out of its transaction the way the file's migration tool allows (docs/frameworks.md). " +
				"Display-only for several indexes in one statement, CASCADE, an index the migrations do not create, where the " +
				"tool has no way out of its transaction, and for an index behind a constraint, where the advice is DROP " +
				"CONSTRAINT with a lock_timeout.",
			Versions: "All versions. Indexes on tables created earlier in the same file are exempt (the catalog " +
				"finds the index's table).",
			CatalogRows: []int{3},
		},
		Check: checkRequireConcurrentDropIndex,
	}
}

func checkRequireConcurrentDropIndex(p *Pass) {
	var ds []Diagnostic // one finding for the statement, naming every index
	st := p.Stmt.Node.GetDropStmt()
	if st == nil || st.GetRemoveType() != pg.ObjectType_OBJECT_INDEX {
		return
	}
	objects := pgast.DropObjects(st)
	cascade := st.GetBehavior() == pg.DropBehavior_DROP_CASCADE
	for _, index := range objects {
		ix := p.Catalog.Index(index)
		table := indexTable(p, index)
		if ix != nil && ix.Constraint != "" {
			ds = append(ds, constraintIndexFinding(p, index, table, ix.Constraint))
			continue
		}
		if st.GetConcurrent() || (table != "" && p.IsNew(table)) {
			continue
		}
		mode := onIndexTable(p)
		msg := fmt.Sprintf("DROP INDEX %s %s; the drop is quick, but while it waits behind running transactions, "+
			"every new query on the table queues behind it", Display(index), LockImpact(mode, tableOrIndex(table, index), ""))
		help := fmt.Sprintf("DROP INDEX CONCURRENTLY IF EXISTS %s; outside a transaction", pgast.QuoteName(index))
		switch {
		case cascade:
			msg += "; CONCURRENTLY cannot be combined with CASCADE"
			help = "first drop what depends on the index (such as foreign keys that use it) with a lock_timeout, then " + help
		case len(objects) > 1:
			help += ", one index per statement"
		default:
		}
		ds = append(ds, Diagnostic{
			Message: msg, Help: help, Lock: mode, Table: Display(table),
			Fixes: []Fix{concurrentKeywordFix(p, "Drop the index concurrently, outside a transaction",
				!cascade && len(objects) == 1 && ix != nil, "index")},
		})
	}
	reportJoined(p, ds)
}

// constraintIndexFinding is the finding for DROP INDEX of an index that backs a
// constraint: PostgreSQL refuses it, so the constraint must be dropped.
func constraintIndexFinding(p *Pass, index, table, constraint string) Diagnostic {
	mode := alterCmdMode(p, pg.AlterTableType_AT_DropConstraint)
	return Diagnostic{
		Severity: Error,
		Message: fmt.Sprintf("DROP INDEX %s fails: the index backs constraint %s of %s, so PostgreSQL refuses to drop it; "+
			"drop the constraint instead; DROP CONSTRAINT %s", Display(index), constraint, Display(table), LockImpact(mode, table, "briefly")),
		Help:  withLockTimeout(p, fmt.Sprintf("ALTER TABLE %s DROP CONSTRAINT %s;", pgast.QuoteName(table), pgast.QuoteIdent(constraint))),
		Lock:  mode,
		Table: Display(table),
		Fixes: []Fix{Recipe("Drop the constraint with a lock_timeout instead")},
	}
}
