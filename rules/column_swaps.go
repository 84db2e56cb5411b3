package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// This file recognises a column swap: in one transaction, a column is
// renamed away from its name, another column takes that name, and the
// first is usually dropped, as the online rewrite of a type change does.
// Code that names the column finds one by that name before and after the
// transaction, so the renames and the drop break nothing that it runs.

// swapKey names a column of a table within one transaction.
type swapKey struct{ table, column string }

// columnSwaps are the swaps of one transaction.
type columnSwaps struct {
	// renames holds the indexes of the RENAME COLUMN statements that take
	// part in a swap: the one renaming a column away, and the one giving
	// its name to another column.
	renames map[int]bool
	// away maps the name a column got when it was renamed away in a swap
	// to the index of that rename.
	away map[swapKey]int
}

// txColumnSwaps returns the column swaps of the current statement's
// transaction; none in autocommit.
func txColumnSwaps(p *Pass) *columnSwaps {
	if p.Stmt.Tx == nil {
		return &columnSwaps{}
	}
	return fileIndex(p, txKey{"column-swaps", p.Stmt.Tx}, func() *columnSwaps {
		out := &columnSwaps{renames: map[int]bool{}, away: map[swapKey]int{}}
		type rename struct {
			index    int
			from, to string
		}
		// The renames so far, by table, and the names renamed away.
		var renames []rename
		tables := map[int]string{}
		for _, st := range txStatements(p) {
			rn := st.Node.GetRenameStmt()
			if rn == nil || rn.GetRenameType() != pg.ObjectType_OBJECT_COLUMN || st.Direction != p.Stmt.Direction {
				continue
			}
			table := pgast.RelName(rn.GetRelation())
			to := rn.GetNewname()
			for _, r := range renames {
				if tables[r.index] == table && r.from == to {
					out.renames[r.index], out.renames[st.Index] = true, true
					out.away[swapKey{table, r.to}] = r.index
				}
			}
			renames = append(renames, rename{st.Index, rn.GetSubname(), to})
			tables[st.Index] = table
		}
		return out
	})
}

// swapRename reports whether the current statement is a RENAME COLUMN of
// a column swap.
func swapRename(p *Pass) bool { return txColumnSwaps(p).renames[p.Stmt.Index] }

// swappedAway reports whether column col of table got its name earlier in
// the current transaction, when a column swap renamed it away from the
// name another column now has.
func swappedAway(p *Pass, table, col string) bool {
	i, ok := txColumnSwaps(p).away[swapKey{table, col}]
	return ok && i < p.Stmt.Index
}
