package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// ConcurrentlyInTransaction reports a CONCURRENTLY statement that runs in
// a transaction: an explicit BEGIN, the transaction a migration tool wraps
// around the file, or the implicit transaction of a multi-statement query.
// PostgreSQL refuses it, so the migration fails.
func ConcurrentlyInTransaction() *Rule {
	return &Rule{
		Code: "PS015", Name: "concurrently-in-transaction", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "CREATE INDEX, DROP INDEX, REINDEX or DETACH PARTITION CONCURRENTLY inside a transaction.",
			Why: "The CONCURRENTLY forms commit internally between their phases, so PostgreSQL refuses to run them " +
				"inside a transaction block: the migration fails with \"cannot run inside a transaction block\". The " +
				"transaction is often not visible in the file: goose, dbmate, Flyway and pop wrap each migration in " +
				"one, and golang-migrate, dbmate with transaction:false and popx .autocommit. files send the whole " +
				"file as a single query, which PostgreSQL runs as one implicit transaction when it holds more than " +
				"one statement.",
			Bad: "-- +goose Up\nCREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);",
			Good: "-- +goose NO TRANSACTION\n-- +goose Up\n" +
				"CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);",
			Help: "run the statement outside any transaction and alone: goose `-- +goose NO TRANSACTION`; dbmate " +
				"`-- migrate:up transaction:false` with one statement per file; golang-migrate and popx `.autocommit.` " +
				"files: one statement per file; Flyway: executeInTransaction=false in the script's .sql.conf",
			Locks: "None: PostgreSQL refuses the statement inside a transaction block, so the migration fails.",
			FixSafety: "Safe: takes the statement out of its transaction the way the file's migration tool allows (docs/frameworks.md): " +
				"after the COMMIT of an explicit transaction; in place in a query or section of one statement, the section marked " +
				"(dbmate transaction:false, Liquibase runInTransaction:false); with the file marked (`-- +goose NO TRANSACTION` and " +
				"explicit transactions around the rest, Flyway's executeInTransaction=false, Atlas's txmode none); or in a new " +
				"migration named to run right after the original (popx `.autocommit.`, golang-migrate with its .down.sql). " +
				"Display-only where the tool has no way out, in a down migration that would need a new one, and when the tool is only guessed.",
			Versions: "All versions. DETACH PARTITION CONCURRENTLY exists from PostgreSQL 14, REINDEX CONCURRENTLY " +
				"from 12.",
		},
		Check: checkConcurrentlyInTransaction,
	}
}

func checkConcurrentlyInTransaction(p *Pass) {
	form := pgast.Concurrently(p.Stmt.Node)
	if form == "" || p.Stmt.Tx == nil {
		return
	}
	table := concurrentTable(p)
	where := p.Stmt.Tx.Kind.String()
	if p.File.Tool != tool.Psql {
		where += " (" + p.File.Tool.Name + ")"
	}
	mode := p.LockOn(table)
	if mode == locks.None {
		mode = locks.OnIndexTable(p.Stmt.Node)
	}
	p.Report(Diagnostic{
		Message: fmt.Sprintf("%s cannot run inside %s: PostgreSQL rejects it, so the migration fails here", form, where),
		Help:    txExit(p),
		Lock:    mode,
		Table:   Display(table),
		Fixes:   []Fix{StepsFix(p, "Run the statement outside any transaction, alone", Safe, locks.None, Step{SQL: p.StmtText() + ";", NoTransaction: true})},
	})
}

// concurrentTable returns the table a CONCURRENTLY statement works on, ""
// when the catalog does not know the index it names.
func concurrentTable(p *Pass) string {
	switch n := p.Stmt.Node.GetNode().(type) {
	case *pg.Node_IndexStmt:
		return pgast.RelName(n.IndexStmt.GetRelation())
	case *pg.Node_DropStmt:
		if objs := pgast.DropObjects(n.DropStmt); len(objs) > 0 {
			return indexTable(p, objs[0])
		}
	case *pg.Node_ReindexStmt:
		rel := pgast.RelName(n.ReindexStmt.GetRelation())
		if n.ReindexStmt.GetKind() == pg.ReindexObjectType_REINDEX_OBJECT_INDEX {
			return indexTable(p, rel)
		}
		return rel
	case *pg.Node_AlterTableStmt:
		return pgast.RelName(n.AlterTableStmt.GetRelation())
	default:
	}
	return ""
}

// txExit says how to run the statement outside its transaction with the
// file's migration tool.
func txExit(p *Pass) string {
	sec := p.File.Sections[p.Stmt.Section]
	return p.File.Tool.AdviceOn(tool.AdviceFor{
		Run: sec.Run, Explicit: p.Stmt.Tx.Kind == migration.TxExplicit, Direction: p.Stmt.Direction, Path: p.File.Path,
	})
}
