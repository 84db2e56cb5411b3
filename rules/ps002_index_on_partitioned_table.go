package rules

import (
	"fmt"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// IndexOnPartitionedTable reports CREATE INDEX on a table that the catalog
// knows is partitioned (hazard catalog row 2): a plain build locks the
// parent and every partition against writes, and a concurrent build fails.
func IndexOnPartitionedTable() *Rule {
	return &Rule{
		Code: "PS002", Name: "index-on-partitioned-table", Severity: Error, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "CREATE INDEX on a partitioned table, which either blocks writes to every partition or fails.",
			Why: "CREATE INDEX on a partitioned table builds the index on every partition in one statement, holding a " +
				"SHARE lock on the parent and on each partition until the last one is built: no INSERT, UPDATE or DELETE " +
				"reaches any partition for the sum of all the builds. CREATE INDEX CONCURRENTLY is not supported on a " +
				"partitioned table, so adding CONCURRENTLY makes the migration fail instead. The online way is to create " +
				"the index on the parent only (ON ONLY, which builds nothing and leaves it invalid), build each " +
				"partition's index concurrently, and attach each one; the parent's index becomes valid when the last " +
				"partition's index is attached.",
			Bad: "CREATE INDEX events_at_idx ON events (at);",
			Good: "CREATE INDEX events_at_idx ON ONLY events (at);\n" +
				"CREATE INDEX CONCURRENTLY events_2024_at_idx ON events_2024 (at); -- outside a transaction, once per partition\n" +
				"ALTER INDEX events_at_idx ATTACH PARTITION events_2024_at_idx;",
			Help: "create the index ON ONLY the parent, build each partition's index with CREATE INDEX CONCURRENTLY, " +
				"then ALTER INDEX ... ATTACH PARTITION each one",
			Locks:     "SHARE on the partitioned table and on every partition for the whole build: writes to all of them wait.",
			FixSafety: "Display-only: the recipe needs the list of partitions, which a migration file does not name.",
			Versions: "All versions: CREATE INDEX CONCURRENTLY on a partitioned table is unsupported through " +
				"PostgreSQL 18. Tables created earlier in the same file are exempt from the lock finding, not from the " +
				"CONCURRENTLY failure.",
			CatalogRows: []int{2},
		},
		Check: checkIndexOnPartitionedTable,
	}
}

func checkIndexOnPartitionedTable(p *Pass) {
	ix := p.Stmt.Node.GetIndexStmt()
	if ix == nil {
		return
	}
	table := pgast.RelName(ix.GetRelation())
	if t := p.Catalog.Table(table); t == nil || !t.Partitioned {
		return
	}
	name := indexStmtName(ix)
	cols := pgast.IndexColumns(ix)
	unique := ""
	if ix.GetUnique() {
		unique = "UNIQUE "
	}
	help := fmt.Sprintf("%s then for each partition, outside a transaction: CREATE %sINDEX CONCURRENTLY %s_<partition> ON <partition> %s; "+
		"and ALTER INDEX %s ATTACH PARTITION %s_<partition>;",
		createIndexSQL(name, table, cols, ix.GetUnique(), false, true),
		unique, name, columnsSQL(cols), pgast.QuoteIdent(name), name)
	fix := Recipe("Create the index ON ONLY the parent, build it on each partition concurrently, and attach each one")
	mode := p.LockOn(table)
	span := p.At(ix.GetRelation().GetLocation())
	if ix.GetConcurrent() {
		p.Report(Diagnostic{
			Span: span,
			Message: fmt.Sprintf("CREATE INDEX CONCURRENTLY fails on %s: PostgreSQL cannot build an index concurrently "+
				"on a partitioned table, so the migration stops here", Display(table)),
			Help: help, Lock: mode, Table: Display(table), Fixes: []Fix{fix},
		})
		return
	}
	if !ix.GetRelation().GetInh() || p.IsNew(table) {
		return // ON ONLY builds nothing; a new table's partitions are empty
	}
	if parts := locks.OnPartitions(p.Stmt.Node); parts > mode {
		mode = parts
	}
	p.Report(Diagnostic{
		Span: span,
		Message: fmt.Sprintf("CREATE INDEX on partitioned table %s takes %s on %s and on each of its partitions, which %s "+
			"to all of them until the index is built on every partition", Display(table), mode, Display(table), mode.Describe()),
		Help: help, Lock: mode, Table: Display(table), Fixes: []Fix{fix},
	})
}
