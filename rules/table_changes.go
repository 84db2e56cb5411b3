package rules

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// Helpers shared by the rules about columns, types and whole tables.

// rewriteWhile says how long a table rewrite holds its lock.
const rewriteWhile = "while it rewrites every row and rebuilds every index"

// existingTableAlter returns the table key and subcommands of an ALTER
// TABLE statement on a table that existed before this file; "" and nil
// for other statements, for ALTER INDEX, VIEW and the like, and for
// tables created earlier in the file (see alterExisting).
func existingTableAlter(p *Pass) (string, []*pg.AlterTableCmd) {
	st, table := alterExisting(p)
	if st == nil {
		return "", nil
	}
	var cmds []*pg.AlterTableCmd
	for _, c := range st.GetCmds() {
		if cmd := c.GetAlterTableCmd(); cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	return table, cmds
}

// cmdLock returns the lock that one ALTER TABLE subcommand takes, from the
// lock model.
func cmdLock(p *Pass, cmd *pg.AlterTableCmd) locks.Mode {
	return locks.AlterTableCmdMode(cmd, p.Options.PGVersion)
}

// addedColumn returns the column definition of an ADD COLUMN subcommand,
// nil for other subcommands.
func addedColumn(cmd *pg.AlterTableCmd) *pg.ColumnDef {
	if cmd.GetSubtype() != pg.AlterTableType_AT_AddColumn {
		return nil
	}
	return cmd.GetDef().GetColumnDef()
}

// columnConstraint returns the first constraint of kind t on column cd,
// nil when it has none.
func columnConstraint(cd *pg.ColumnDef, t pg.ConstrType) *pg.Constraint {
	for _, n := range cd.GetConstraints() {
		if c := n.GetConstraint(); c != nil && c.GetContype() == t {
			return c
		}
	}
	return nil
}

// rewriteImpact phrases a rewrite of table under mode, naming the number
// of indexes rebuilt when the catalog knows the table.
func rewriteImpact(p *Pass, mode locks.Mode, table string) string {
	while := rewriteWhile
	if p.Catalog.Table(table) != nil {
		switch n := len(p.Catalog.Indexes(table)); n {
		case 0:
			while = "while it rewrites every row"
		case 1:
			while = "while it rewrites every row and rebuilds its index"
		default:
			while = fmt.Sprintf("while it rewrites every row and rebuilds its %d indexes", n)
		}
	}
	return LockImpact(mode, table, while)
}

// commandName returns the leading keywords of a statement as written,
// e.g. "ALTER TABLE" or "UPDATE", for messages.
func commandName(p *Pass, st *migration.Statement) string {
	words := strings.Fields(p.Text(st.Span))
	if len(words) == 0 {
		return "the statement"
	}
	n := 1
	switch strings.ToUpper(words[0]) {
	case "ALTER", "CREATE", "DROP", "REFRESH", "LOCK":
		n = 2
	default:
	}
	if n > len(words) {
		n = len(words)
	}
	return strings.ToUpper(strings.Join(words[:n], " "))
}

// replacedByViewLater reports whether a statement after the current one,
// in the same transaction, creates a view named table: the
// rename-plus-view recipe that keeps old code working through a rename.
func replacedByViewLater(p *Pass, table string) bool {
	if p.Stmt.Tx == nil {
		return false
	}
	// The views the transaction's statements create, and the last
	// statement that creates each; found once for the transaction.
	last := fileIndex(p, txKey{"views-created", p.Stmt.Tx}, func() map[string]int {
		out := map[string]int{}
		for _, st := range txStatements(p) {
			if v := st.Node.GetViewStmt(); v != nil {
				out[pgast.RelName(v.GetView())] = st.Index
			}
		}
		return out
	})
	at, ok := last[table]
	return ok && at > p.Stmt.Index
}

// foreignKeyLocks returns the locks the statement takes on tables it
// reaches through foreign keys known to the catalog, from the lock model.
func foreignKeyLocks(p *Pass) []locks.Lock {
	return locks.Related(p.Stmt.Node, locks.ForeignKeys{
		References:   p.Catalog.References,
		ReferencedBy: p.Catalog.ReferencedBy,
	})
}

// displayList joins table keys for a message: "a", "a and b", "a, b and c".
func displayList(keys []string) string {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = Display(k)
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}

// plural returns one when n is 1, else many.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
