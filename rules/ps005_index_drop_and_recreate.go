package rules

import (
	"fmt"
	"sort"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
)

// IndexDropAndRecreate reports CREATE INDEX of a name that an earlier
// DROP INDEX of the same file removed (hazard catalog row 5): the table
// goes without the index in between.
func IndexDropAndRecreate() *Rule {
	return &Rule{
		Code: "PS005", Name: "index-drop-and-recreate", Severity: Warning, FixAvailability: FixDisplayOnly,
		Doc: Doc{
			Summary: "An index is dropped and created again under the same name to change its definition.",
			Why: "Between the DROP INDEX and the end of the new build the table has no such index: queries that " +
				"relied on it fall back to slower plans, and a unique index enforces nothing. A plain DROP INDEX also " +
				"takes ACCESS EXCLUSIVE on the table, and a plain CREATE INDEX blocks writes for the whole build. " +
				"Renaming the old index out of the way keeps it serving queries until the new one is ready.",
			Bad: "DROP INDEX accounts_email_idx;\nCREATE INDEX accounts_email_idx ON accounts (lower(email));",
			Good: "ALTER INDEX accounts_email_idx RENAME TO accounts_email_idx_old;\n" +
				"CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (lower(email)); -- outside a transaction\n" +
				"DROP INDEX CONCURRENTLY accounts_email_idx_old; -- outside a transaction",
			Help: "rename the old index, build the new one with CREATE INDEX CONCURRENTLY, then DROP INDEX CONCURRENTLY " +
				"the old one",
			Locks:     "ACCESS EXCLUSIVE for the drop, then SHARE for the whole build: writes wait, and queries run without the index in between.",
			FixSafety: "Display-only: the steps run in separate transactions.",
			Versions: "ALTER INDEX ... RENAME takes SHARE UPDATE EXCLUSIVE from PostgreSQL 12; before that it takes " +
				"ACCESS EXCLUSIVE, briefly, so give it a lock_timeout. Tables created earlier in the same file are exempt.",
			CatalogRows: []int{5},
		},
		Check: checkIndexDropAndRecreate,
	}
}

func checkIndexDropAndRecreate(p *Pass) {
	ix := p.Stmt.Node.GetIndexStmt()
	if ix == nil || ix.GetIdxname() == "" {
		return
	}
	table := pgast.RelName(ix.GetRelation())
	if table == "" || p.IsNew(table) {
		return
	}
	key := indexKeyIn(table, ix.GetIdxname())
	drop := lastDropOf(p, key)
	if drop == nil {
		return
	}
	name := pgast.QuoteIdent(ix.GetIdxname())
	old := pgast.QuoteIdent(ix.GetIdxname() + "_old")
	mode := p.LockOn(table)
	msg := fmt.Sprintf("index %s is dropped at line %d and created again here: from the drop until this build ends, "+
		"queries on %s run without it", ix.GetIdxname(), p.Line(drop), Display(table))
	if ix.GetUnique() {
		msg += " and nothing enforces its uniqueness"
	}
	if !ix.GetConcurrent() {
		msg += ", and the build " + LockImpact(mode, table, "while it runs")
	}
	rename := fmt.Sprintf("ALTER INDEX %s RENAME TO %s;", name, old)
	if indexRenameMode(p).BlocksWrites() {
		rename = withLockTimeout(p, rename) + fmt.Sprintf(" (before PostgreSQL 12 the rename takes %s)", indexRenameMode(p))
	}
	p.Report(Diagnostic{
		Span:    p.At(ix.GetRelation().GetLocation()),
		Message: msg,
		Help: fmt.Sprintf("instead of dropping it: %s then %s outside a transaction, then DROP INDEX CONCURRENTLY %s;",
			rename, createIndexSQL(ix.GetIdxname(), table, pgast.IndexColumns(ix), ix.GetUnique(), true, false), old),
		Lock:    mode,
		Table:   Display(table),
		Fixes:   []Fix{Recipe("Rename the old index, build the new one concurrently, then drop the old one concurrently")},
		Related: []Related{p.RelatedTo(drop, "drops the index that this statement builds again")},
	})
}

// lastDropOf returns the last statement before the current one, among
// those migrating in its direction, that drops index key with no CREATE
// INDEX of that key after it; nil when there is none.
func lastDropOf(p *Pass, key string) *migration.Statement {
	type dirKey struct {
		dir migration.Direction
		key string
	}
	type event struct {
		index int // of the statement
		drop  bool
	}
	// The statements that drop or create each index, in order, found once
	// for the file.
	events := fileIndex(p, "index-drops-and-creates", func() map[dirKey][]event {
		out := map[dirKey][]event{}
		for _, st := range p.File.Statements {
			switch n := st.Node.GetNode().(type) {
			case *pg.Node_DropStmt:
				if n.DropStmt.GetRemoveType() != pg.ObjectType_OBJECT_INDEX {
					continue
				}
				for _, o := range pgast.DropObjects(n.DropStmt) {
					k := dirKey{st.Direction, o}
					out[k] = append(out[k], event{st.Index, true})
				}
			case *pg.Node_IndexStmt:
				k := dirKey{st.Direction, indexKeyIn(pgast.RelName(n.IndexStmt.GetRelation()), n.IndexStmt.GetIdxname())}
				out[k] = append(out[k], event{st.Index, false})
			default:
			}
		}
		return out
	})
	evs := events[dirKey{p.Stmt.Direction, key}]
	i := sort.Search(len(evs), func(i int) bool { return evs[i].index >= p.Stmt.Index }) - 1
	if i < 0 || !evs[i].drop {
		return nil
	}
	return p.File.Statements[evs[i].index]
}
