package rules

import (
	"fmt"
	"path/filepath"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// ConcurrentlyInTransaction reports a CONCURRENTLY statement that runs in
// a transaction: an explicit BEGIN, the transaction a migration tool wraps
// around the file, or the implicit transaction of a multi-statement query.
// PostgreSQL refuses it, so the migration fails.
func ConcurrentlyInTransaction() *Rule {
	return &Rule{
		Code: "PS015", Name: "concurrently-in-transaction", Severity: Error, Fixable: true,
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
			FixSafety: "Safe: takes the statement out of its transaction the way the migration tool allows: after the COMMIT of an explicit " +
				"transaction, `-- +goose NO TRANSACTION` or Flyway's executeInTransaction=false when nothing else in the file needs " +
				"the transaction, or else a new migration file holding the statement alone, numbered to run right after the original " +
				"(popx `.autocommit.` naming; golang-migrate with a matching .down.sql). Display-only where no such place exists.",
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
	if fw := p.File.Framework; fw != migration.Psql && fw != migration.Auto {
		where += " (" + string(fw) + ")"
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
	fw := p.File.Framework
	switch p.Stmt.Tx.Kind {
	case migration.TxExplicit:
		if fw == migration.Sqitch {
			return "delete the BEGIN and COMMIT lines that sqitch's deploy template adds, so that psql runs each statement on its own"
		}
		return "move it out of the BEGIN ... COMMIT block, so that it runs on its own"
	case migration.TxWrapped:
		switch fw {
		case migration.Goose:
			return "add `-- +goose NO TRANSACTION` to the file; goose then runs each statement on its own"
		case migration.Dbmate:
			return fmt.Sprintf("mark the section `-- migrate:%s transaction:false` and keep this statement alone in it: dbmate sends a whole section as one query",
				p.Stmt.Direction)
		case migration.Flyway:
			return fmt.Sprintf("set executeInTransaction=false in %s.conf", filepath.Base(p.File.Path))
		case migration.Popx:
			return "move it alone into a `.autocommit.up.sql` file, which popx runs without a transaction"
		case migration.Pop:
			return "pop runs every migration in a transaction: run this statement outside pop, or move to popx and its `.autocommit.` files"
		default:
			return "run it outside the transaction the migration tool opens"
		}
	case migration.TxImplicit:
		switch fw {
		case migration.GolangMigrate:
			return "move it alone into its own migration file: golang-migrate sends a whole file as one query, which PostgreSQL runs as one transaction"
		case migration.Dbmate:
			return fmt.Sprintf("move it alone into its own migration file, whose section is marked `-- migrate:%s transaction:false`: dbmate sends a whole section as one query",
				p.Stmt.Direction)
		case migration.Popx:
			return "move it alone into its own `.autocommit.` migration file: popx sends a whole file as one query"
		default:
			return "send it alone, as a query of its own"
		}
	default:
		return p.Rule.Doc.Help
	}
}
