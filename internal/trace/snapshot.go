package trace

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// relation is a user relation as the catalog shows it at one moment.
type relation struct {
	oid  uint32
	name string // "schema.name"
	kind byte   // pg_class.relkind
	// file is pg_class.relfilenode: a new value means new storage.
	file uint32
	// owner is the relation this one belongs to: an index's table, a
	// partition's parent, an owned sequence's table; 0 when none.
	owner uint32
	// scans counts the sequential and index scans that the current
	// transaction started on a table (pg_stat_xact_user_tables).
	scans int64
	// defaultPartition is a partitioned table's default partition, 0
	// when it has none.
	defaultPartition uint32
}

// snapshot is the catalog's user relations at one moment.
type snapshot struct {
	byOID  map[uint32]*relation
	byName map[string]*relation
}

// snapshotSQL lists the user relations: not those of pg_catalog,
// information_schema and the TOAST schemas.
const snapshotSQL = `
SELECT c.oid, n.nspname || '.' || c.relname, c.relkind::text, c.relfilenode,
	coalesce(
		(SELECT i.indrelid FROM pg_index i WHERE i.indexrelid = c.oid),
		(SELECT h.inhparent FROM pg_inherits h WHERE h.inhrelid = c.oid AND c.relispartition),
		(SELECT d.refobjid FROM pg_depend d WHERE c.relkind = 'S' AND d.classid = 'pg_class'::regclass
			AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1),
		0),
	coalesce(s.seq_scan, 0) + coalesce(s.idx_scan, 0),
	coalesce((SELECT p.partdefid FROM pg_partitioned_table p WHERE p.partrelid = c.oid), 0)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_xact_user_tables s ON s.relid = c.oid
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%'`

// takeSnapshot reads the user relations on conn.
func takeSnapshot(ctx context.Context, conn *pgx.Conn) (*snapshot, error) {
	rows, err := conn.Query(ctx, snapshotSQL)
	if err != nil {
		return nil, err
	}
	s := &snapshot{byOID: map[uint32]*relation{}, byName: map[string]*relation{}}
	for rows.Next() {
		r := &relation{}
		var kind string
		if err := rows.Scan(&r.oid, &r.name, &kind, &r.file, &r.owner, &r.scans, &r.defaultPartition); err != nil {
			rows.Close()
			return nil, err
		}
		r.kind = kind[0]
		s.byOID[r.oid] = r
		s.byName[r.name] = r
	}
	return s, rows.Err()
}

// foreignKeys returns the foreign keys between user tables as the
// locks package asks for them.
func foreignKeys(ctx context.Context, conn *pgx.Conn, s *snapshot) (locks.ForeignKeys, error) {
	rows, err := conn.Query(ctx, `
		SELECT c.conname, c.conrelid, c.confrelid,
			array(SELECT attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n ORDER BY k.i)::text[],
			array(SELECT attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n ORDER BY k.i)::text[]
		FROM pg_constraint c WHERE c.contype = 'f'`)
	if err != nil {
		return locks.ForeignKeys{}, err
	}
	var all []locks.ForeignKey
	for rows.Next() {
		var fk locks.ForeignKey
		var from, to uint32
		if err := rows.Scan(&fk.Name, &from, &to, &fk.Columns, &fk.RefColumns); err != nil {
			rows.Close()
			return locks.ForeignKeys{}, err
		}
		f, t := s.byOID[from], s.byOID[to]
		if f == nil || t == nil {
			continue
		}
		fk.Table, fk.References = f.name, t.name
		all = append(all, fk)
	}
	tables := func(table string, referenced bool) []string {
		var out []string
		for _, fk := range all {
			if referenced && fk.Table == table {
				out = append(out, fk.References)
			} else if !referenced && fk.References == table {
				out = append(out, fk.Table)
			}
		}
		return out
	}
	return locks.ForeignKeys{
		References:   func(table string) []string { return tables(table, true) },
		ReferencedBy: func(table string) []string { return tables(table, false) },
		Involving: func(table string) []locks.ForeignKey {
			var out []locks.ForeignKey
			for _, fk := range all {
				if fk.Table == table || fk.References == table {
					out = append(out, fk)
				}
			}
			return out
		},
	}, rows.Err()
}

// modeSet is a set of lock modes, one bit per mode.
type modeSet uint16

func (s modeSet) with(m locks.Mode) modeSet { return s | 1<<m }

// strongest returns the strongest mode in s, None when s is empty.
func (s modeSet) strongest() locks.Mode {
	for m := locks.AccessExclusive; m > locks.None; m-- {
		if s&(1<<m) != 0 {
			return m
		}
	}
	return locks.None
}

// held maps relation OIDs to the lock modes a backend holds on them.
type held map[uint32]modeSet

// heldLocks returns the granted relation locks that backend pid holds in
// the current database.
func heldLocks(ctx context.Context, conn *pgx.Conn, pid uint32) (held, error) {
	rows, err := conn.Query(ctx, `SELECT relation, mode FROM pg_locks
		WHERE pid = $1 AND locktype = 'relation' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, pid)
	if err != nil {
		return nil, err
	}
	h := held{}
	for rows.Next() {
		var oid uint32
		var name string
		if err := rows.Scan(&oid, &name); err != nil {
			rows.Close()
			return nil, err
		}
		if m, ok := locks.ParseMode(name); ok {
			h[oid] = h[oid].with(m)
		}
	}
	return h, rows.Err()
}

// since returns the locks in h that before does not hold: the
// (relation, mode) pairs taken in between.
func (h held) since(before held) held {
	out := held{}
	for oid, s := range h {
		if n := s &^ before[oid]; n != 0 {
			out[oid] = n
		}
	}
	return out
}

// merge adds the locks of o to h.
func (h held) merge(o held) {
	for oid, s := range o {
		h[oid] |= s
	}
}

// kindName names a relkind for people.
func kindName(kind byte) string {
	switch kind {
	case 'r':
		return "table"
	case 'p':
		return "partitioned table"
	case 'i':
		return "index"
	case 'I':
		return "partitioned index"
	case 'S':
		return "sequence"
	case 'v':
		return "view"
	case 'm':
		return "materialized view"
	case 'f':
		return "foreign table"
	case 'c':
		return "composite type"
	case 't':
		return "TOAST table"
	default:
		return "relation"
	}
}
