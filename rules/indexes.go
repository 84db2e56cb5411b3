package rules

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// This file holds what the index rules share: finding an index's table in
// the catalog, the lock a statement takes on it, and writing index SQL for
// recipes.

// indexTable returns the key of the table that index (a "schema.name" key)
// is on, "" when the catalog does not know the index.
func indexTable(p *Pass, index string) string {
	if ix := p.Catalog.Index(index); ix != nil {
		return ix.Table
	}
	return ""
}

// tableOrIndex returns what a message calls the table of an index: the
// table's key when the catalog knows it, else "the table of <index>".
func tableOrIndex(table, index string) string {
	if table != "" {
		return table
	}
	return "the table of " + Display(index)
}

// onIndexTable returns the lock the statement takes on the table of the
// index it names (DROP INDEX, REINDEX INDEX), from the lock model.
func onIndexTable(p *Pass) locks.Mode { return locks.OnIndexTable(p.Stmt.Node) }

// columnsSQL returns an index's column list as SQL, "(a, b)", or "(...)"
// when a column is an expression, whose text the recipe does not repeat.
func columnsSQL(cols []string) string {
	for _, c := range cols {
		if c == "" {
			return "(...)"
		}
	}
	return "(" + pgast.QuoteList(cols) + ")"
}

// createIndexSQL writes a CREATE INDEX statement for a recipe. only puts
// ONLY before the table; concurrently adds CONCURRENTLY IF NOT EXISTS.
func createIndexSQL(name, table string, cols []string, unique, concurrently, only bool) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	if concurrently {
		b.WriteString("CONCURRENTLY IF NOT EXISTS ")
	}
	b.WriteString(pgast.QuoteIdent(name) + " ON ")
	if only {
		b.WriteString("ONLY ")
	}
	b.WriteString(pgast.QuoteName(table) + " " + columnsSQL(cols) + ";")
	return b.String()
}

// indexStmtName returns the name an IndexStmt gives its index, or the
// name PostgreSQL would choose when it names none.
func indexStmtName(ix *pg.IndexStmt) string {
	if ix.GetIdxname() != "" {
		return ix.GetIdxname()
	}
	return schema.DefaultIndexName(ix)
}

// indexKeyIn returns the "schema.name" key of index name in the schema of
// table: an index always lives in its table's schema.
func indexKeyIn(table, name string) string { return pgast.SchemaOf(table) + "." + name }

// indexRenameMode returns the lock ALTER INDEX ... RENAME takes on the
// target version, from the lock model.
func indexRenameMode(p *Pass) locks.Mode {
	rv := &pg.RangeVar{Relname: "i"}
	node := &pg.Node{Node: &pg.Node_RenameStmt{RenameStmt: &pg.RenameStmt{RenameType: pg.ObjectType_OBJECT_INDEX, Relation: rv}}}
	return locks.Strongest(locks.Statement(node, p.Options.PGVersion), pgast.RelName(rv))
}
