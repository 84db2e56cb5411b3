package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RequireConcurrentReindex reports REINDEX INDEX or REINDEX TABLE without
// CONCURRENTLY (hazard catalog row 4), and REINDEX of a partitioned table
// or index before PostgreSQL 14, which does not work.
func RequireConcurrentReindex() *Rule {
	return &Rule{
		Code: "PS004", Name: "require-concurrent-reindex", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "REINDEX INDEX or REINDEX TABLE without CONCURRENTLY.",
			Why: "A plain REINDEX takes a SHARE lock on the table, which blocks every INSERT, UPDATE and DELETE, and an " +
				"ACCESS EXCLUSIVE lock on each index it rebuilds. The planner locks every index of a table when it plans " +
				"a query, so the index lock stalls almost every query on the table too, except prepared ones with a " +
				"cached plan. Both last until the rebuild ends, which grows with the table. REINDEX CONCURRENTLY builds " +
				"a new copy beside the old one and swaps them, blocking neither reads nor writes; it must run outside a " +
				"transaction.",
			Bad:   "REINDEX INDEX accounts_email_idx;",
			Good:  "REINDEX INDEX CONCURRENTLY accounts_email_idx;",
			Help:  "rebuild it with REINDEX ... CONCURRENTLY outside a transaction (PostgreSQL 12 and later)",
			Locks: "SHARE on the table and ACCESS EXCLUSIVE on the index while it is rebuilt: writes wait, and so do the reads whose plans would use the index.",
			FixSafety: "Safe on PostgreSQL 12 and later: adds CONCURRENTLY and takes the statement out of its transaction " +
				"the way the file's migration tool allows (docs/frameworks.md). Display-only before 12, where the recipe is " +
				"a concurrent twin index, a concurrent drop and a rename; for a partitioned table or index before 14; and " +
				"where the tool has no way out of its transaction.",
			Versions: "REINDEX CONCURRENTLY exists from PostgreSQL 12; on 11, build a twin with CREATE INDEX " +
				"CONCURRENTLY, drop the old index concurrently and rename the twin. REINDEX of a partitioned table or " +
				"index works from 14: before that, REINDEX TABLE skips a partitioned table with a warning and REINDEX " +
				"INDEX fails on a partitioned index, so reindex each partition.",
			CatalogRows: []int{4},
		},
		Check: checkRequireConcurrentReindex,
	}
}

func checkRequireConcurrentReindex(p *Pass) {
	st := p.Stmt.Node.GetReindexStmt()
	if st == nil {
		return
	}
	var table, index string
	switch st.GetKind() {
	case pg.ReindexObjectType_REINDEX_OBJECT_TABLE:
		table = pgast.RelName(st.GetRelation())
	case pg.ReindexObjectType_REINDEX_OBJECT_INDEX:
		index = pgast.RelName(st.GetRelation())
		table = indexTable(p, index)
	default:
		return
	}
	if t := p.Catalog.Table(table); t != nil && t.Partitioned && p.Options.PGVersion < 14 {
		reportPartitionedReindex(p, table, index)
		return
	}
	if pgast.ReindexConcurrent(st) || (table != "" && p.IsNew(table)) {
		return
	}
	var msg string
	var mode locks.Mode
	if index != "" {
		mode = onIndexTable(p)
		ixMode := p.LockOn(index)
		msg = fmt.Sprintf("REINDEX INDEX %s %s, and %s on %s, which stalls almost every query on the table (the planner "+
			"locks all of a table's indexes), until the index is rebuilt",
			Display(index), LockImpact(mode, tableOrIndex(table, index), ""), ixMode, Display(index))
	} else {
		mode = p.LockOn(table)
		msg = fmt.Sprintf("REINDEX TABLE %s, and %s on each of its indexes, which stalls almost every query on it "+
			"(the planner locks all of a table's indexes), until every index is rebuilt",
			LockImpact(mode, table, ""), locks.OnTableIndexes(p.Stmt.Node))
	}
	if p.Options.PGVersion < 12 {
		msg += "; PostgreSQL 11 has no REINDEX CONCURRENTLY, so rebuild through a concurrent twin"
	}
	p.Report(Diagnostic{
		Span:    p.At(st.GetRelation().GetLocation()),
		Message: msg, Help: reindexRecipe(p, table, index), Lock: mode, Table: Display(table),
		Fixes: []Fix{concurrentKeywordFix(p, "Rebuild the index concurrently, outside a transaction",
			p.Options.PGVersion >= 12, reindexKindToken(st))},
	})
}

// reindexRecipe says how to rebuild without blocking on the target
// version: REINDEX CONCURRENTLY from 12, a concurrent twin before.
func reindexRecipe(p *Pass, table, index string) string {
	if p.Options.PGVersion >= 12 {
		if index != "" {
			return fmt.Sprintf("REINDEX INDEX CONCURRENTLY %s; outside a transaction", pgast.QuoteName(index))
		}
		return fmt.Sprintf("REINDEX TABLE CONCURRENTLY %s; outside a transaction", pgast.QuoteName(table))
	}
	name := "<index>"
	if index != "" {
		name = pgast.QuoteName(index)
	}
	rename := indexRenameMode(p)
	return fmt.Sprintf("PostgreSQL 11 has no REINDEX CONCURRENTLY: for each index, outside a transaction, CREATE INDEX "+
		"CONCURRENTLY a twin with the same definition, DROP INDEX CONCURRENTLY %s, then rename the twin to %s "+
		"(the rename takes %s: use a lock_timeout)", name, name, rename)
}

// reportPartitionedReindex reports REINDEX of a partitioned table or index
// before PostgreSQL 14, which skips the table or fails.
func reportPartitionedReindex(p *Pass, table, index string) {
	d := Diagnostic{
		Span:  p.At(p.Stmt.Node.GetReindexStmt().GetRelation().GetLocation()),
		Help:  "reindex each partition's indexes instead, with REINDEX ... CONCURRENTLY from PostgreSQL 12",
		Table: Display(table),
		Fixes: []Fix{Recipe("Reindex each partition instead")},
	}
	if index != "" {
		d.Message = fmt.Sprintf("REINDEX INDEX %s fails before PostgreSQL 14: it is an index of partitioned table %s, "+
			"and REINDEX cannot rebuild a partitioned index before PostgreSQL 14", Display(index), Display(table))
	} else {
		d.Severity = Warning
		d.Message = fmt.Sprintf("REINDEX TABLE %s does nothing before PostgreSQL 14: %s is partitioned, and PostgreSQL "+
			"skips it with a warning", Display(table), Display(table))
	}
	p.Report(d)
}

// reindexKindToken is the keyword after which CONCURRENTLY goes in a
// REINDEX statement: INDEX or TABLE.
func reindexKindToken(st *pg.ReindexStmt) string {
	if st.GetKind() == pg.ReindexObjectType_REINDEX_OBJECT_INDEX {
		return "index"
	}
	return "table"
}
