// Package split plans how to make one statement of a migration run outside
// any transaction block, the way the file's migration framework allows:
// moving it past an explicit COMMIT, marking the file non-transactional,
// or splitting it into a new migration file that runs right after the
// original and before the next one.
package split

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
)

// Edit replaces bytes [Start, End) of the file at Path with NewText. A
// Path that does not exist yet names a file to create (Start = End = 0).
type Edit struct {
	Path       string
	Start, End int
	NewText    string
}

// Plan is the set of edits that replaces a statement and takes it out of
// its transaction.
type Plan struct {
	// How says in words what the plan does, for the fix title.
	How   string
	Edits []Edit
}

// ErrCannotSplit is wrapped by errors for files that pgsafe cannot split
// mechanically; the caller falls back to a display-only recipe.
var ErrCannotSplit = errors.New("cannot take the statement out of its transaction mechanically")

// Replace returns a plan that replaces the text of statement st of f with
// newText (the statement without its semicolon) and, when outside is true
// and st runs inside a transaction block or a multi-statement query,
// takes it out of that.
func Replace(f *migration.File, st *migration.Statement, newText string, outside bool) (Plan, error) {
	inPlace := Plan{Edits: []Edit{{Path: f.Path, Start: st.Span.Start, End: st.Span.End, NewText: newText}}}
	if !outside || st.Tx == nil {
		return inPlace, nil
	}
	moved := f.Text[st.Extent.Start:st.Span.Start] + newText + ";"
	switch {
	case st.Tx.Kind == migration.TxExplicit:
		return afterCommit(f, st, moved)
	case f.Framework == migration.Goose:
		if onlyNonTransactional(f, st) {
			return markGoose(f, st, newText)
		}
		return splitFile(f, st, newText)
	case f.Framework == migration.Flyway:
		if onlyNonTransactional(f, st) {
			return Plan{How: "run the script outside a transaction (executeInTransaction=false)", Edits: append(inPlace.Edits,
				Edit{Path: f.Path + ".conf", NewText: "executeInTransaction=false\n"})}, conflictFree(f.Path + ".conf")
		}
		return splitFile(f, st, newText)
	case f.Framework == migration.Psql || f.Framework == migration.Sqitch:
		return Plan{}, fmt.Errorf("%w: %s runs statements one by one, yet this one is in %s", ErrCannotSplit, f.Framework, st.Tx.Kind)
	default:
		return splitFile(f, st, newText)
	}
}

func conflictFree(path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%w: %s already exists; set executeInTransaction=false in it by hand", ErrCannotSplit, path)
	}
	return nil
}

// afterCommit moves the statement (with its leading comments) to just
// after the COMMIT that ends its explicit transaction.
func afterCommit(f *migration.File, st *migration.Statement, moved string) (Plan, error) {
	for _, s := range f.Statements[st.Index+1:] {
		if s.Tx != st.Tx {
			break
		}
		if tc := s.Node.GetTransactionStmt(); tc != nil && isCommit(tc.GetKind()) {
			if !strings.HasPrefix(moved, "\n") {
				moved = "\n" + moved
			}
			return Plan{How: "move it after the COMMIT of its transaction", Edits: []Edit{
				{Path: f.Path, Start: st.Extent.Start, End: st.Extent.End},
				{Path: f.Path, Start: s.Extent.End, End: s.Extent.End, NewText: moved},
			}}, nil
		}
	}
	return Plan{}, fmt.Errorf("%w: its transaction has no COMMIT in the file", ErrCannotSplit)
}

func isCommit(k pg.TransactionStmtKind) bool {
	return k == pg.TransactionStmtKind_TRANS_STMT_COMMIT
}

// onlyNonTransactional reports whether every up statement of f other
// than st may run outside a transaction without changing what the
// migration does: other CONCURRENTLY statements and settings.
func onlyNonTransactional(f *migration.File, st *migration.Statement) bool {
	for _, s := range f.Statements {
		if s == st || s.Direction != st.Direction {
			continue
		}
		if !NeedsNoTransaction(s.Node) && s.Node.GetVariableSetStmt() == nil {
			return false
		}
	}
	return true
}

// NeedsNoTransaction reports whether the statement cannot run inside a
// transaction block: the CONCURRENTLY forms of CREATE INDEX, DROP INDEX,
// REINDEX and DETACH PARTITION.
func NeedsNoTransaction(n *pg.Node) bool {
	switch s := n.GetNode().(type) {
	case *pg.Node_IndexStmt:
		return s.IndexStmt.GetConcurrent()
	case *pg.Node_DropStmt:
		return s.DropStmt.GetConcurrent()
	case *pg.Node_ReindexStmt:
		for _, p := range s.ReindexStmt.GetParams() {
			if p.GetDefElem().GetDefname() == "concurrently" {
				return true
			}
		}
		return false
	case *pg.Node_AlterTableStmt:
		for _, c := range s.AlterTableStmt.GetCmds() {
			if c.GetAlterTableCmd().GetDef().GetPartitionCmd().GetConcurrent() {
				return true
			}
		}
		return false
	default:
		return false
	}
}

var reGooseUp = regexp.MustCompile(`(?m)^[ \t]*--[ \t]*\+goose[ \t]+Up\b`)

// markGoose adds -- +goose NO TRANSACTION above the Up marker.
func markGoose(f *migration.File, st *migration.Statement, newText string) (Plan, error) {
	loc := reGooseUp.FindStringIndex(f.Text)
	if loc == nil {
		return Plan{}, fmt.Errorf("%w: no -- +goose Up marker", ErrCannotSplit)
	}
	return Plan{How: "mark the file -- +goose NO TRANSACTION", Edits: []Edit{
		{Path: f.Path, Start: loc[0], End: loc[0], NewText: "-- +goose NO TRANSACTION\n"},
		{Path: f.Path, Start: st.Span.Start, End: st.Span.End, NewText: newText},
	}}, nil
}

// splitFile moves the statement into a new migration file that runs right
// after f, outside a transaction.
func splitFile(f *migration.File, st *migration.Statement, newText string) (Plan, error) {
	name, body, extra, err := newMigration(f, newText)
	if err != nil {
		return Plan{}, err
	}
	edits := []Edit{{Path: f.Path, Start: st.Extent.Start, End: st.Extent.End}}
	if f.Framework == migration.Popx && migration.Dialect(f.Path) == "" {
		// A dialect-less popx file runs on every database: keep it for the
		// others, and give PostgreSQL its own copy without the statement.
		pgPath := dialectCopy(f.Path)
		if _, statErr := os.Stat(pgPath); statErr == nil {
			return Plan{}, fmt.Errorf("%w: %s already exists", ErrCannotSplit, pgPath)
		}
		rest := f.Text[:st.Extent.Start] + f.Text[st.Extent.End:]
		edits = []Edit{{Path: pgPath, NewText: rest}}
	}
	edits = append(edits, Edit{Path: name, NewText: body})
	for path, text := range extra {
		edits = append(edits, Edit{Path: path, NewText: text})
	}
	return Plan{How: "move it into its own migration " + filepath.Base(name) + ", run outside a transaction", Edits: edits}, nil
}

var rePopxName = regexp.MustCompile(`^(\d+)_([^.]+)((?:\.[a-z0-9]+)?)((?:\.autocommit)?)\.up\.sql$`)

func dialectCopy(path string) string {
	base := filepath.Base(path)
	m := rePopxName.FindStringSubmatch(base)
	if m == nil {
		return path
	}
	return filepath.Join(filepath.Dir(path), m[1]+"_"+m[2]+".postgres"+m[4]+".up.sql")
}
