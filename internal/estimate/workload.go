package estimate

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Shape is the row layout of a seeded table. The calibration seeds two,
// whose rows differ in width, so that the fit can tell the cost per row
// from the cost per byte of heap.
type Shape struct {
	Name string
	// Columns is the column list of CREATE TABLE; Select the select list
	// that makes row g of generate_series.
	Columns, Select string
}

// The shapes the calibration and its check seed. Every table has a
// primary key, as production tables do, so that a rewrite rebuilds an
// index.
var (
	Narrow = Shape{"narrow", "id bigint PRIMARY KEY, a integer NOT NULL, b integer, note text",
		"g, (g::bigint * 7919 % 1000003)::integer, g % 1000, 'note ' || g"}
	Wide = Shape{"wide", "id bigint PRIMARY KEY, a integer NOT NULL, b integer, note text, body text",
		"g, (g::bigint * 7919 % 1000003)::integer, g % 1000, 'note ' || g, repeat(md5(g::text), 8)"}
	// Medium is in neither calibration: the check measures on it to see
	// that the model carries over to rows of another width.
	Medium = Shape{"medium", "id bigint PRIMARY KEY, a integer NOT NULL, b integer, note text, created timestamptz, body text",
		"g, (g::bigint * 7919 % 1000003)::integer, g % 1000, 'note ' || g, timestamptz '2026-01-01' + g * interval '1 second', md5(g::text) || md5((g + 1)::text)"}
)

// Operation is one statement of a class, run on a seeded table: Before
// sets it up and After undoes it, both untimed. Each SQL has %[1]s where
// the table's name goes.
type Operation struct {
	Class Class
	// SQL is the statement as a migration would write it.
	SQL           string
	Before, After string
}

// Operations are the statements the calibration times, by class. Each
// leaves the table as it found it: the type change is changed back.
var Operations = []Operation{
	{Class: Instant, SQL: "ALTER TABLE %[1]s ADD COLUMN extra integer", After: "ALTER TABLE %[1]s DROP COLUMN extra"},
	{Class: Validation, Before: "ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_a_valid CHECK (a >= 0) NOT VALID",
		SQL: "ALTER TABLE %[1]s VALIDATE CONSTRAINT %[1]s_a_valid", After: "ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_a_valid"},
	{Class: Scan, SQL: "ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_a_check CHECK (a >= 0)", After: "ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_a_check"},
	{Class: Scan, SQL: "ALTER TABLE %[1]s ALTER COLUMN b SET NOT NULL", After: "ALTER TABLE %[1]s ALTER COLUMN b DROP NOT NULL"},
	{Class: IndexBuild, SQL: "CREATE INDEX %[1]s_a_idx ON %[1]s (a)", After: "DROP INDEX %[1]s_a_idx"},
	{Class: IndexBuild, SQL: "ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_note_key UNIQUE (note)", After: "ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_note_key"},
	{Class: Rewrite, SQL: "ALTER TABLE %[1]s ALTER COLUMN b TYPE bigint", After: "ALTER TABLE %[1]s ALTER COLUMN b TYPE integer"},
	{Class: Rewrite, SQL: "VACUUM FULL %[1]s"},
}

// Statement returns the operation's SQL on table.
func (o Operation) Statement(table string) string { return fmt.Sprintf(o.SQL, table) }

// Seed creates table with rows rows of shape, logged like a production
// table (an unlogged one writes no WAL, and would make rewrites and index
// builds look cheaper than they are), then vacuums it (freezing, so that
// the first timed statement does not pay for setting hint bits) and
// analyzes it, and returns its size as the catalog has it.
func Seed(ctx context.Context, conn *pgx.Conn, table string, shape Shape, rows int) (Size, error) {
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + table,
		fmt.Sprintf("CREATE TABLE %s (%s)", table, shape.Columns),
		fmt.Sprintf("INSERT INTO %s SELECT %s FROM generate_series(1, %d) AS g", table, shape.Select, rows),
		"VACUUM (FREEZE, ANALYZE) " + table,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return Size{}, fmt.Errorf("seed %s: %s: %w", table, q, err)
		}
	}
	return TableSize(ctx, conn, table)
}

// TableSize reads a table's rows (reltuples), heap bytes (with TOAST) and
// index bytes from the catalog, as `pgsafe stats` reads them.
func TableSize(ctx context.Context, conn *pgx.Conn, table string) (Size, error) {
	var s Size
	err := conn.QueryRow(ctx, `SELECT c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid)
		FROM pg_class c WHERE c.oid = $1::regclass`, table).Scan(&s.Rows, &s.HeapBytes, &s.IndexBytes)
	if err != nil {
		return Size{}, fmt.Errorf("size of %s: %w", table, err)
	}
	return s, nil
}

// Time runs op on table runs times and returns the median time its
// statement took, which on an otherwise idle server is the time it held
// its lock (the statement runs in autocommit, so the lock goes with it).
func Time(ctx context.Context, conn *pgx.Conn, op Operation, table string, runs int) (time.Duration, error) {
	var took []time.Duration
	for range runs {
		if op.Before != "" {
			if _, err := conn.Exec(ctx, fmt.Sprintf(op.Before, table)); err != nil {
				return 0, fmt.Errorf("%s: %w", fmt.Sprintf(op.Before, table), err)
			}
		}
		q := op.Statement(table)
		start := time.Now()
		if _, err := conn.Exec(ctx, q); err != nil {
			return 0, fmt.Errorf("%s: %w", q, err)
		}
		took = append(took, time.Since(start))
		if op.After != "" {
			if _, err := conn.Exec(ctx, fmt.Sprintf(op.After, table)); err != nil {
				return 0, fmt.Errorf("%s: %w", fmt.Sprintf(op.After, table), err)
			}
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	return took[len(took)/2], nil
}

// Calibrate seeds a table of each shape at each row count in the
// database conn is connected to (tables named pgsafe_calibrate_*, dropped
// afterwards), times every operation on each, and returns the
// measurements, for Fit. It writes a line per measurement to log.
func Calibrate(ctx context.Context, conn *pgx.Conn, shapes []Shape, rows []int, log io.Writer) ([]Point, error) {
	var points []Point
	for _, shape := range shapes {
		for _, n := range rows {
			table := fmt.Sprintf("pgsafe_calibrate_%s_%d", shape.Name, n)
			size, err := Seed(ctx, conn, table, shape, n)
			if err != nil {
				return nil, err
			}
			for _, op := range Operations {
				took, err := Time(ctx, conn, op, table, Runs(n))
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(log, "%-7s %8d rows %10d heap %10d index  %-12s %9.1f ms  %s\n", shape.Name, size.Rows, size.HeapBytes, size.IndexBytes,
					op.Class, float64(took.Microseconds())/1000, op.Statement(table))
				points = append(points, Point{Class: op.Class, Size: size, Shape: shape.Name, Seconds: took.Seconds()})
			}
			if _, err := conn.Exec(ctx, "DROP TABLE "+table); err != nil {
				return nil, err
			}
		}
	}
	return points, nil
}

// Runs is how many times the calibration and its check time a statement
// on a table of rows rows: more on small tables, whose times are short
// and noisy, once on large ones.
func Runs(rows int) int {
	switch {
	case rows <= 20_000:
		return 5
	case rows <= 200_000:
		return 3
	default:
		return 1
	}
}

// Machine describes this machine for Calibration.Machine.
func Machine(host, cpu string, cpus int) string {
	return strings.TrimSpace(fmt.Sprintf("%s, %s, %d CPUs", host, cpu, cpus))
}
