package rules

import (
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// FileState is what the passes over one file's statements share: where
// the checks that Pass.Later defers go, and what is computed once for the
// file rather than once per statement: the lock model's locks of each
// statement, which rules about a transaction read for its other
// statements too, and the catalog as the file's up statements leave it.
// The driver makes one per file and hands it to every pass of the file.
type FileState struct {
	version int
	later   func(func(*history.History))
	locks   [][]locks.Lock
	upEnd   *schema.Catalog
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

// SetFileState gives the pass the state it shares with the other passes
// over its file.
func (p *Pass) SetFileState(s *FileState) { p.fileState = s }
