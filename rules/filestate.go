package rules

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// FileState is what the passes over one file's statements share: where
// the checks that Pass.Later defers go, and what is computed once for the
// file rather than once per statement: the lock model's locks of each
// statement, which rules about a transaction read for its other
// statements too, the catalog as the file's up statements leave it, and
// what rules gather from the statements before the current one (see
// earlier), so that no rule reads all of them again for every statement
// and a file's check stays linear in its size.
// The driver makes one per file and hands it to every pass of the file,
// and runs the passes in file order.
type FileState struct {
	version int
	later   func(func(*history.History))
	locks   [][]locks.Lock
	upEnd   *schema.Catalog

	txRange map[*migration.Transaction][2]int // indexes of each transaction's first statement and of the one after its last
	scans   map[scanKey]any                   // what earlier has gathered, by rule and group
	indexes map[any]any                       // indexes that rules build once for the file, by key
}

// NewFileState returns the shared state of the passes over f, for
// PostgreSQL major version pgVersion; later receives the checks the
// rules defer, which the driver runs once the history is finished.
func NewFileState(f *migration.File, pgVersion int, later func(func(*history.History))) *FileState {
	return &FileState{version: pgVersion, later: later, locks: make([][]locks.Lock, len(f.Statements))}
}

// Locks returns the locks statement st of the file takes, from the lock
// model.
func (s *FileState) Locks(st *migration.Statement) []locks.Lock {
	if s.locks[st.Index] == nil {
		ls := locks.Statement(st.Node, s.version)
		if ls == nil {
			ls = []locks.Lock{}
		}
		s.locks[st.Index] = ls
	}
	return s.locks[st.Index]
}

// scanKey names what a rule gathers from earlier statements of a group:
// the statements of one transaction and direction, or with file set, of
// the whole file.
type scanKey struct {
	name string
	file bool
	tx   *migration.Transaction
	dir  migration.Direction
}

// scan is what earlier gathered under a key, and where it stopped.
type scan[T any] struct {
	next int // index of the first statement not handed over yet
	acc  T
}

// earlier hands visit, in file order, each statement before the current
// one that runs in the current statement's transaction (autocommit being
// one group) and direction, and that has not been handed over under name
// before; it returns what the visits gathered. Each statement is visited
// once per name and group, so a rule that asks for every statement does
// linear work in all. The visits run with the current pass: they see its
// catalog.
func earlier[T any](p *Pass, name string, visit func(acc *T, st *migration.Statement)) *T {
	k := scanKey{name: name, tx: p.Stmt.Tx, dir: p.Stmt.Direction}
	return gather(p, k, p.fileState.groupStart(p.File, p.Stmt.Tx), func(acc *T, st *migration.Statement) {
		if st.Tx == k.tx && st.Direction == k.dir {
			visit(acc, st)
		}
	})
}

// earlierInFile is earlier over every statement of the file before the
// current one, whatever its transaction and direction.
func earlierInFile[T any](p *Pass, name string, visit func(acc *T, st *migration.Statement)) *T {
	return gather(p, scanKey{name: name, file: true}, 0, visit)
}

func gather[T any](p *Pass, k scanKey, from int, visit func(acc *T, st *migration.Statement)) *T {
	s := p.fileState
	if s.scans == nil {
		s.scans = map[scanKey]any{}
	}
	sc, ok := s.scans[k].(*scan[T])
	if !ok {
		sc = &scan[T]{next: from}
		s.scans[k] = sc
	}
	for ; sc.next < p.Stmt.Index; sc.next++ {
		visit(&sc.acc, p.File.Statements[sc.next])
	}
	return &sc.acc
}

// groupStart returns the index of the first statement of transaction tx
// in f, 0 for autocommit.
func (s *FileState) groupStart(f *migration.File, tx *migration.Transaction) int {
	if tx == nil {
		return 0
	}
	return s.transaction(f, tx)[0]
}

// transaction returns the indexes of the first statement of transaction
// tx in f and of the statement after its last. The statements of a
// transaction follow each other in the file.
func (s *FileState) transaction(f *migration.File, tx *migration.Transaction) [2]int {
	if s.txRange == nil {
		s.txRange = map[*migration.Transaction][2]int{}
		for i, st := range f.Statements {
			if st.Tx == nil {
				continue
			}
			r, seen := s.txRange[st.Tx]
			if !seen {
				r[0] = i
			}
			r[1] = i + 1
			s.txRange[st.Tx] = r
		}
	}
	return s.txRange[tx]
}

// fileIndex returns the index of the file under key (a name, or a name
// and a transaction for an index of one transaction), built by build on
// first use.
func fileIndex[T any](p *Pass, key any, build func() T) T {
	s := p.fileState
	if s.indexes == nil {
		s.indexes = map[any]any{}
	}
	if x, ok := s.indexes[key].(T); ok {
		return x
	}
	x := build()
	s.indexes[key] = x
	return x
}

// txKey names an index of one transaction.
type txKey struct {
	name string
	tx   *migration.Transaction
}

// createdInFile reports whether a statement of the file before the
// current one creates the enum type ("enum") or domain ("domain") name.
func createdInFile(p *Pass, kind, name string) bool {
	type object struct{ kind, name string }
	created := earlierInFile(p, "types-created", func(acc *map[object]bool, st *migration.Statement) {
		var o object
		switch n := st.Node.GetNode().(type) {
		case *pg.Node_CreateEnumStmt:
			o = object{"enum", pgast.QualifyName(pgast.Strings(n.CreateEnumStmt.GetTypeName()))}
		case *pg.Node_CreateDomainStmt:
			o = object{"domain", pgast.QualifyName(pgast.Strings(n.CreateDomainStmt.GetDomainname()))}
		default:
			return
		}
		if *acc == nil {
			*acc = map[object]bool{}
		}
		(*acc)[o] = true
	})
	return (*created)[object{kind, name}]
}

// txStatements returns the statements of the current statement's
// transaction, in order; nil in autocommit.
func txStatements(p *Pass) []*migration.Statement {
	if p.Stmt.Tx == nil {
		return nil
	}
	r := p.fileState.transaction(p.File, p.Stmt.Tx)
	return p.File.Statements[r[0]:r[1]]
}

// txAfter returns the statements of the current statement's transaction
// after it, in order; nil in autocommit.
func txAfter(p *Pass) []*migration.Statement {
	stmts := txStatements(p)
	if len(stmts) == 0 {
		return nil
	}
	return stmts[p.Stmt.Index-stmts[0].Index+1:]
}

// SetFileState gives the pass the state it shares with the other passes
// over its file.
func (p *Pass) SetFileState(s *FileState) { p.fileState = s }
