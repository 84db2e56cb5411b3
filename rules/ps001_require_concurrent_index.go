package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// RequireConcurrentIndex reports CREATE INDEX without CONCURRENTLY on a
// table that already exists (hazard catalog row 1).
func RequireConcurrentIndex() *Rule {
	return &Rule{
		Code: "PS001", Name: "require-concurrent-index", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "CREATE INDEX without CONCURRENTLY on an existing table.",
			Why: "A plain CREATE INDEX takes a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE " +
				"waits until the index is finished, which on a large table is minutes. CREATE INDEX CONCURRENTLY takes " +
				"SHARE UPDATE EXCLUSIVE instead, which blocks no reads or writes, at the cost of two table scans and of " +
				"having to run outside a transaction.",
			Bad:  "CREATE INDEX accounts_email_idx ON accounts (email);",
			Good: "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);",
			Help: "build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS, outside a transaction; if the build fails, " +
				"DROP INDEX CONCURRENTLY the invalid index and retry",
			Locks:       "SHARE on the table for the whole index build: writes wait, reads go on.",
			FixSafety:   "Safe: adds CONCURRENTLY and IF NOT EXISTS; `pgsafe fix` also moves the statement out of its transaction where the framework needs it.",
			Versions:    "All versions. Avoid CONCURRENTLY on 14.0 to 14.3, which could corrupt indexes built that way; upgrade to 14.4 or later.",
			CatalogRows: []int{1},
		},
		Check: checkRequireConcurrentIndex,
	}
}

func checkRequireConcurrentIndex(p *Pass) {
	ix := p.Stmt.Node.GetIndexStmt()
	if ix == nil || ix.GetConcurrent() {
		return
	}
	table := pgast.RelName(ix.GetRelation())
	if p.IsNew(table) {
		return
	}
	if t := p.Catalog.Table(table); t != nil && t.Partitioned {
		return // index-on-partitioned-table reports it with the partition recipe
	}
	p.Report(Diagnostic{
		Message: "CREATE INDEX " + LockImpact(locks.Share, table, "for the whole index build"),
		Lock:    locks.Share,
		Table:   Display(table),
		Fixes:   concurrentIndexFix(p, ix),
	})
}

// concurrentIndexFix inserts CONCURRENTLY after INDEX, and IF NOT EXISTS
// before a named index, so that a retry after a failed build skips the
// invalid leftover instead of failing; a comment above says what to do
// then. A statement in a transaction moves out of it.
func concurrentIndexFix(p *Pass, ix *pg.IndexStmt) []Fix {
	kw, ok := p.Keyword("index")
	if !ok {
		return []Fix{Recipe("Build the index with CREATE INDEX CONCURRENTLY")}
	}
	text := " CONCURRENTLY"
	if ix.GetIdxname() != "" && !ix.GetIfNotExists() {
		text += " IF NOT EXISTS"
	}
	name := indexStmtName(ix)
	note := sqlComment("pgsafe: a failed concurrent build leaves an INVALID index behind; drop it with",
		"DROP INDEX CONCURRENTLY IF EXISTS "+quoteIndexName(p, ix, name)+"; and run the migration again.")
	const title = "Build the index concurrently"
	return []Fix{StepsFix(p, title, Safe, locks.ShareUpdateExclusive, Step{SQL: note + InsertInStatement(p, kw.End, text), NoTransaction: true})}
}

// quoteIndexName returns the index's name, schema-qualified like its
// table, quoted for SQL.
func quoteIndexName(p *Pass, ix *pg.IndexStmt, name string) string {
	return pgast.QuoteName(indexKeyIn(pgast.RelName(ix.GetRelation()), name))
}
