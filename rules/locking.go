package rules

import (
	"sort"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
)

// tableLock is a lock a statement takes, with the table that the lock
// holds back.
type tableLock struct {
	locks.Lock
	// Table is the relation users feel the lock on: Relation itself, or
	// for a lock on an index the index's table when the catalog knows it.
	Table string
}

// target names what the lock is on, for messages: "accounts", or "index
// accounts_email_idx of accounts" for a lock on an index.
func (l tableLock) target() string {
	switch {
	case l.Role != locks.RoleIndex:
		return Display(l.Table)
	case l.Table != l.Relation:
		return "index " + Display(l.Relation) + " of " + Display(l.Table)
	default:
		return "index " + Display(l.Relation)
	}
}

// table names the table whose users the lock holds back, for messages. A
// lock on an index holds back every query that plans on its table.
func (l tableLock) table() string {
	if l.Role == locks.RoleIndex && l.Table == l.Relation {
		return "the table of index " + Display(l.Relation)
	}
	return Display(l.Table)
}

// locksOf returns the locks that statement st of the current file takes:
// the pass's own locks for the current statement, the lock model's for
// any other.
func locksOf(p *Pass, st *migration.Statement) []locks.Lock {
	if st == p.Stmt {
		return p.Locks
	}
	return p.fileState.Locks(st)
}

// existingLocks returns the locks whose mode matches keep that st takes
// on relations that existed before the file (not created earlier in it),
// strongest first and otherwise in the lock model's order. A lock on an
// index counts against the index's table.
func existingLocks(p *Pass, st *migration.Statement, keep func(locks.Mode) bool) []tableLock {
	var out []tableLock
	for _, l := range locksOf(p, st) {
		if !keep(l.Mode) {
			continue
		}
		tl := tableLock{Lock: l, Table: l.Relation}
		if l.Role == locks.RoleIndex {
			if ix := p.Catalog.Index(l.Relation); ix != nil {
				tl.Table = ix.Table
			}
		}
		if p.File.IsNew(tl.Table, st.Index) {
			continue
		}
		out = append(out, tl)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Mode > out[j].Mode })
	return out
}
