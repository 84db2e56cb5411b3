package trace

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// model is what the static lock model predicts for one statement, placed
// on the relations of a catalog snapshot.
type model struct {
	snap *snapshot
	// named holds the modes predicted for relations by OID.
	named map[uint32]locks.Mode
}

// predict places the locks that package locks predicts for node on
// PostgreSQL major version version on the relations of snap: the locks
// of locks.Statement, those reached through foreign keys (locks.Related,
// read from fks), the lock on the table of an index the statement names
// (locks.OnIndexTable), on the indexes of a table it reindexes
// (locks.OnTableIndexes) and on the default partition of a table it adds
// a partition to (locks.OnDefaultPartition).
func predict(node *pg.Node, version int, snap *snapshot, fks locks.ForeignKeys) *model {
	m := &model{snap: snap, named: map[uint32]locks.Mode{}}
	stmt := locks.Statement(node, version)
	for _, l := range append(stmt, locks.Related(node, fks)...) {
		if r := snap.byName[l.Relation]; r != nil {
			m.raise(r.oid, l.Mode)
		}
	}
	onTable, onIndexes, onDefault := locks.OnIndexTable(node), locks.OnTableIndexes(node), locks.OnDefaultPartition(node)
	for _, l := range stmt {
		r := snap.byName[l.Relation]
		switch {
		case r == nil:
		case l.Role == locks.RoleParent && onDefault != locks.None && r.defaultPartition != 0:
			m.raise(r.defaultPartition, onDefault)
		case l.Role == locks.RoleIndex && onTable != locks.None && r.owner != 0:
			m.raise(r.owner, onTable)
		case l.Role == locks.RoleTarget && onIndexes != locks.None:
			for _, o := range snap.byOID {
				if o.owner == r.oid && (o.kind == 'i' || o.kind == 'I') {
					m.raise(o.oid, onIndexes)
				}
			}
		default:
		}
	}
	return m
}

func (m *model) raise(oid uint32, mode locks.Mode) {
	if mode > m.named[oid] {
		m.named[oid] = mode
	}
}

// mode returns the lock the model allows on relation oid: the mode
// predicted for it or for a relation it belongs to (an index's table, a
// partition's parent, an owned sequence's table), whichever is
// strongest. A statement that locks a table takes the same lock on its
// indexes and, unless it says ONLY, on its partitions.
func (m *model) mode(oid uint32) locks.Mode {
	best := locks.None
	for seen := map[uint32]bool{}; oid != 0 && !seen[oid]; {
		seen[oid] = true
		if md := m.named[oid]; md > best {
			best = md
		}
		r := m.snap.byOID[oid]
		if r == nil {
			break
		}
		oid = r.owner
	}
	return best
}

// dataAccess is the strongest lock that reading and writing rows takes:
// a statement may take it on relations it does not name (a subquery, a
// trigger, a foreign key check, a sequence) without the model listing it.
const dataAccess = locks.RowExclusive

// mismatch reports whether taking mode on relation oid contradicts the
// model: the lock is stronger than the model allows, and stronger than
// data access on a relation the model says nothing about.
func (m *model) mismatch(oid uint32, mode locks.Mode) bool {
	want := m.mode(oid)
	return mode > want && (want != locks.None || mode > dataAccess)
}
