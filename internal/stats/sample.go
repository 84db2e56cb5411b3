package stats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A sample is what one read-only transaction reads: the tables, their
// cumulative counters, and, for the second sample, their sizes.
type sample struct {
	// at is when the statistics that the counters come from were taken,
	// by the server's clock: pg_stat_get_snapshot_timestamp(), the time
	// the transaction's statistics snapshot was built (PostgreSQL 15 and
	// later, with stats_fetch_consistency = snapshot) or the statistics
	// collector wrote the file that the transaction read (12 to 14).
	at time.Time
	// rels are the tables by OID.
	rels map[uint32]*relation
	// indexes are the tables' indexes by the OID of their table, read
	// with the sizes only.
	indexes map[uint32][]Index
}

// relation is one table as a sample reads it.
type relation struct {
	oid          uint32
	schema, name string
	// partitioned is relkind 'p': a partitioned table, which holds no
	// rows itself.
	partitioned bool
	// materialized is relkind 'm': a materialized view.
	materialized bool
	// parent is the OID of the partitioned table this table is a
	// partition of; 0 when it is not a partition.
	parent uint32
	// reltuples and relpages are pg_class's, as of the table's last
	// VACUUM, ANALYZE or CREATE INDEX (reltuples is -1 when none ran, from
	// PostgreSQL 14 on).
	reltuples float64
	relpages  int64
	// counters are nil when pg_stat_user_tables has no row for the table
	// (a partitioned table before PostgreSQL 15).
	counters *counters
	// The sizes, in bytes, read in the second sample only: the main
	// fork, the TOAST table with its index, and all the table's indexes.
	mainBytes, toastBytes, indexBytes int64
}

// counters are the cumulative counters of pg_stat_user_tables that only
// grow until the table's statistics are reset.
type counters struct {
	inserted, updated, deleted, hotUpdated          int64
	seqScans, seqRowsRead, idxScans, idxRowsFetched int64
	vacuums, autovacuums, analyzes, autoanalyzes    int64
}

// writes is the count of rows written: inserted, updated and deleted.
func (c *counters) writes() int64 { return c.inserted + c.updated + c.deleted }

// reads is the count of scans: sequential and index scans.
func (c *counters) reads() int64 { return c.seqScans + c.idxScans }

// fellSince reports whether a counter is lower than in before, which
// only a reset of the table's statistics makes happen.
func (c *counters) fellSince(before *counters) bool {
	now := []int64{c.inserted, c.updated, c.deleted, c.hotUpdated, c.seqScans, c.seqRowsRead, c.idxScans,
		c.idxRowsFetched, c.vacuums, c.autovacuums, c.analyzes, c.autoanalyzes}
	was := []int64{before.inserted, before.updated, before.deleted, before.hotUpdated, before.seqScans, before.seqRowsRead,
		before.idxScans, before.idxRowsFetched, before.vacuums, before.autovacuums, before.analyzes, before.autoanalyzes}
	for i := range now {
		if now[i] < was[i] {
			return true
		}
	}
	return false
}

// userTables selects the tables that a snapshot covers: ordinary and
// partitioned tables and materialized views (which a REFRESH rewrites),
// not temporary, outside the system schemas. The statements below use it
// as the alias c joined to pg_namespace n.
const userTables = `c.relkind IN ('r', 'p', 'm') AND c.relpersistence <> 't'
	AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
	AND n.nspname NOT LIKE 'pg\_toast\_temp\_%' AND n.nspname NOT LIKE 'pg\_temp\_%'`

// countersSQL reads the tables and their counters. It reads only the
// catalogs and the statistics views: no table's rows.
const countersSQL = `SELECT c.oid, n.nspname, c.relname, c.relkind = 'p', c.relkind = 'm',
	coalesce((SELECT i.inhparent FROM pg_catalog.pg_inherits i WHERE c.relispartition AND i.inhrelid = c.oid), 0),
	c.reltuples::float8, c.relpages::int8,
	s.relid IS NOT NULL,
	coalesce(s.n_tup_ins, 0), coalesce(s.n_tup_upd, 0), coalesce(s.n_tup_del, 0), coalesce(s.n_tup_hot_upd, 0),
	coalesce(s.seq_scan, 0), coalesce(s.seq_tup_read, 0), coalesce(s.idx_scan, 0), coalesce(s.idx_tup_fetch, 0),
	coalesce(s.vacuum_count, 0), coalesce(s.autovacuum_count, 0), coalesce(s.analyze_count, 0), coalesce(s.autoanalyze_count, 0)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_stat_user_tables s ON s.relid = c.oid
WHERE ` + userTables

// sizesSQL reads the tables' sizes from the size functions, which read
// the files' sizes, not their content, of the tables that have storage
// (not the partitioned ones). A table dropped since the catalog scan has
// no size (NULL) and is left out.
const sizesSQL = `SELECT c.oid, pg_catalog.pg_relation_size(c.oid),
	coalesce(pg_catalog.pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),
	pg_catalog.pg_indexes_size(c.oid)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND ` + userTables

// indexesSQL reads the tables' indexes and their sizes (all forks); the
// size of an index of a partitioned table, which has no storage of its
// own, is that of its partitions' indexes together.
const indexesSQL = `SELECT x.indrelid, ic.relname,
	CASE WHEN ic.relkind = 'I'
		THEN (SELECT coalesce(sum(pg_catalog.pg_total_relation_size(t.relid)), 0)::int8
			FROM pg_catalog.pg_partition_tree(ic.oid) t WHERE t.isleaf)
		ELSE pg_catalog.pg_total_relation_size(ic.oid) END
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class ic ON ic.oid = x.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + userTables + `
ORDER BY ic.relname`

// Limits on the statements of a sample: they read catalogs and file
// sizes and take only ACCESS SHARE locks (the size functions open each
// table), which a migration's ACCESS EXCLUSIVE lock blocks. A short
// lock_timeout makes a sample fail rather than wait in the lock queue,
// where it would hold up the sessions queued behind it.
const (
	statementTimeout = "30s"
	lockTimeout      = "1s"
)

// readSample reads a sample in a read-only transaction of its own; with
// sizes, the tables' sizes and indexes too.
func readSample(ctx context.Context, conn *pgx.Conn, versionNum int, sizes bool) (*sample, error) {
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	settings := "SET LOCAL statement_timeout = '" + statementTimeout + "'; SET LOCAL lock_timeout = '" + lockTimeout + "'"
	if versionNum >= 150000 {
		// One statistics snapshot for the whole transaction, taken at its
		// first use, whose time pg_stat_get_snapshot_timestamp() gives.
		settings += "; SET LOCAL stats_fetch_consistency = snapshot"
	}
	if _, err := tx.Exec(ctx, settings); err != nil {
		return nil, err
	}
	s := &sample{rels: map[uint32]*relation{}, indexes: map[uint32][]Index{}}
	rows, err := tx.Query(ctx, countersSQL)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		r := &relation{}
		var c counters
		var hasStats bool
		if err := rows.Scan(&r.oid, &r.schema, &r.name, &r.partitioned, &r.materialized, &r.parent, &r.reltuples, &r.relpages, &hasStats,
			&c.inserted, &c.updated, &c.deleted, &c.hotUpdated, &c.seqScans, &c.seqRowsRead, &c.idxScans, &c.idxRowsFetched,
			&c.vacuums, &c.autovacuums, &c.analyzes, &c.autoanalyzes); err != nil {
			rows.Close()
			return nil, err
		}
		if hasStats {
			r.counters = &c
		}
		s.rels[r.oid] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var at *time.Time
	if err := tx.QueryRow(ctx, "SELECT coalesce(pg_catalog.pg_stat_get_snapshot_timestamp(), pg_catalog.clock_timestamp())").Scan(&at); err != nil {
		return nil, err
	}
	s.at = *at
	if sizes {
		if err := readSizes(ctx, tx, s); err != nil {
			return nil, err
		}
	}
	return s, tx.Commit(ctx)
}

// readSizes reads the sizes of the tables of s and their indexes.
func readSizes(ctx context.Context, tx pgx.Tx, s *sample) error {
	rows, err := tx.Query(ctx, sizesSQL)
	if err != nil {
		return sizeError(err)
	}
	for rows.Next() {
		var oid uint32
		var main, toast, indexes *int64
		if err := rows.Scan(&oid, &main, &toast, &indexes); err != nil {
			rows.Close()
			return err
		}
		r := s.rels[oid]
		if r == nil {
			continue
		}
		if main == nil || indexes == nil {
			delete(s.rels, oid) // dropped since the catalog scan
			continue
		}
		r.mainBytes, r.indexBytes = *main, *indexes
		if toast != nil {
			r.toastBytes = *toast
		}
	}
	if err := rows.Err(); err != nil {
		return sizeError(err)
	}
	rows, err = tx.Query(ctx, indexesSQL)
	if err != nil {
		return sizeError(err)
	}
	for rows.Next() {
		var table uint32
		var ix Index
		var size *int64
		if err := rows.Scan(&table, &ix.Name, &size); err != nil {
			rows.Close()
			return err
		}
		if size == nil {
			continue // dropped since the catalog scan
		}
		ix.Bytes = *size
		s.indexes[table] = append(s.indexes[table], ix)
	}
	return sizeError(rows.Err())
}

// sizeError explains a lock timeout of the size functions.
func sizeError(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "55P03" {
		return fmt.Errorf("reading the tables' sizes: another session holds an ACCESS EXCLUSIVE lock on a table (a migration?), and pgsafe does not wait for it more than %s: take the snapshot again once it is released: %w", lockTimeout, err)
	}
	return err
}
