package estimate

import (
	"context"
	"fmt"
	"io"
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

// Operation is one statement of a class, run on a seeded table: the
// statements of Before set it up and those of After undo it, one by one
// and untimed. Each SQL has %[1]s where the table's name goes.
type Operation struct {
	Class Class
	// SQL is the statement as a migration would write it.
	SQL           string
	Before, After []string
	// ReferencedRows returns, for a foreign key check on a table of size
	// table, the rows of the table the foreign key references; nil for
	// other work.
	ReferencedRows func(table Size) int64
}

// Parent is a table that a calibration's foreign key references: its
// untimed steps create it beside the seeded table, vacuum and analyze it,
// and drop it afterwards. One parent is small and fixed, the other as
// large as the seeded table, so that the fit can tell the cost per
// referencing row from the cost per referenced row.
type Parent struct {
	// Suffix is added to the seeded table's name to name the parent.
	Suffix string
	// Create is the statement that creates and fills it, with %[1]s for
	// the seeded table and %[2]s for the parent.
	Create string
	// Rows returns its rows beside a seeded table of size table.
	Rows func(table Size) int64
}

// The parents: a lookup table of a thousand ids (0 to 999) that column b
// references, and one that holds every value of column a, as a customers
// table holds an id for each of its orders' customers: as many rows as
// the seeded table (a takes a distinct value on each row).
var (
	SmallParent = Parent{"_parent_small", "CREATE TABLE %[2]s AS SELECT g::integer AS id FROM generate_series(0, 999) AS g",
		func(Size) int64 { return 1000 }}
	LargeParent = Parent{"_parent_large", "CREATE TABLE %[2]s AS SELECT a AS id FROM %[1]s",
		func(s Size) int64 { return s.Rows }}
	Parents = []Parent{SmallParent, LargeParent}
)

// Of names the parent of the seeded table.
func (p Parent) Of(table string) string { return table + p.Suffix }

// foreignKeyCheck is the operation that adds a foreign key on column of
// the seeded table, validated, referencing parent.
func foreignKeyCheck(column string, parent Parent) Operation {
	t := "%[1]s" + parent.Suffix
	return Operation{Class: ForeignKeyCheck,
		Before:         []string{fmt.Sprintf(parent.Create, "%[1]s", t), "ALTER TABLE " + t + " ADD PRIMARY KEY (id)", "VACUUM (FREEZE, ANALYZE) " + t},
		SQL:            fmt.Sprintf("ALTER TABLE %%[1]s ADD CONSTRAINT %%[1]s_%s_fkey FOREIGN KEY (%s) REFERENCES %s (id)", column, column, t),
		After:          []string{fmt.Sprintf("ALTER TABLE %%[1]s DROP CONSTRAINT %%[1]s_%s_fkey", column), "DROP TABLE " + t},
		ReferencedRows: parent.Rows}
}

// Operations are the statements the calibration times, by class. Each
// leaves the table as it found it: the rename and the type change are
// changed back (the instant work is a rename rather than an added column,
// whose drop would leave a dropped column that every later rewrite stores
// as a null, growing the heap by a tenth), and
// the writes to every row run in a transaction that is rolled back, then
// vacuumed away (the new row versions at the end of the heap are cut off,
// the rolled-back marks on the old ones frozen), and the indexes into
// which the UPDATE put an entry per row are rebuilt: the table's sizes
// come back within a few per cent (TestOperationsLeaveTheTableAsFound).
// The writes to every row come last, so that no other class is timed on
// a table that they have touched. The two foreign keys reference the
// Parents, on columns without an index, as a foreign key column often is
// when it is added.
var Operations = []Operation{
	{Class: Instant, SQL: "ALTER TABLE %[1]s RENAME COLUMN note TO note_renamed", After: []string{"ALTER TABLE %[1]s RENAME COLUMN note_renamed TO note"}},
	{Class: Validation, Before: []string{"ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_a_valid CHECK (a >= 0) NOT VALID"},
		SQL: "ALTER TABLE %[1]s VALIDATE CONSTRAINT %[1]s_a_valid", After: []string{"ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_a_valid"}},
	{Class: Scan, SQL: "ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_a_check CHECK (a >= 0)", After: []string{"ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_a_check"}},
	{Class: Scan, SQL: "ALTER TABLE %[1]s ALTER COLUMN b SET NOT NULL", After: []string{"ALTER TABLE %[1]s ALTER COLUMN b DROP NOT NULL"}},
	foreignKeyCheck("b", SmallParent),
	foreignKeyCheck("a", LargeParent),
	{Class: IndexBuild, SQL: "CREATE INDEX %[1]s_a_idx ON %[1]s (a)", After: []string{"DROP INDEX %[1]s_a_idx"}},
	{Class: IndexBuild, SQL: "ALTER TABLE %[1]s ADD CONSTRAINT %[1]s_note_key UNIQUE (note)", After: []string{"ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_note_key"}},
	{Class: Rewrite, SQL: "ALTER TABLE %[1]s ALTER COLUMN b TYPE bigint", After: []string{"ALTER TABLE %[1]s ALTER COLUMN b TYPE integer"}},
	{Class: Rewrite, SQL: "VACUUM FULL %[1]s"},
	{Class: RowUpdates, Before: []string{"BEGIN"}, SQL: "UPDATE %[1]s SET b = b + 1",
		After: []string{"ROLLBACK", "VACUUM (FREEZE) %[1]s", "REINDEX TABLE %[1]s"}},
	{Class: RowDeletes, Before: []string{"BEGIN"}, SQL: "DELETE FROM %[1]s", After: []string{"ROLLBACK", "VACUUM (FREEZE) %[1]s"}},
}

// Size returns the size the operation is priced on, on a table of size
// table: the table's, with the referenced table's rows for a foreign key
// check.
func (o Operation) Size(table Size) Size {
	if o.ReferencedRows != nil {
		table.ReferencedRows = o.ReferencedRows(table)
	}
	return table
}

// Statement returns the operation's SQL on table.
func (o Operation) Statement(table string) string { return fmt.Sprintf(o.SQL, table) }

// Seed creates table with rows rows of shape, logged like a production
// table (an unlogged one writes no WAL, and would make rewrites and index
// builds look cheaper than they are), then vacuums it (freezing, so that
// the first timed statement does not pay for setting hint bits) and
// analyzes it, and returns it with its size as the catalog has it.
func Seed(ctx context.Context, conn *pgx.Conn, table string, shape Shape, rows int) (Seeded, error) {
	for _, q := range []string{
		"DROP TABLE IF EXISTS " + table,
		fmt.Sprintf("CREATE TABLE %s (%s)", table, shape.Columns),
		fmt.Sprintf("INSERT INTO %s SELECT %s FROM generate_series(1, %d) AS g", table, shape.Select, rows),
		"VACUUM (FREEZE, ANALYZE) " + table,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return Seeded{}, fmt.Errorf("seed %s: %s: %w", table, q, err)
		}
	}
	size, err := TableSize(ctx, conn, table)
	return Seeded{Name: table, Shape: shape, Size: size}, err
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

// Seeded is a table that Seed filled: its name, row layout and size.
type Seeded struct {
	Name  string
	Shape Shape
	Size  Size
}

// Timing is the time one operation took on one seeded table.
type Timing struct {
	Table Seeded
	Op    Operation
	Took  time.Duration
}

// Measure times every operation of ops (all of Operations when none is
// given) on every table and returns a Timing per table and operation,
// table by table in the order given. A statement
// runs in autocommit, so on an otherwise idle server its time is the time
// it held its lock.
//
// The timings are taken round by round: each round runs an operation once
// on each table, one table right after another, so that the times of one
// operation on the tables are taken within moments of each other and a
// change in the machine's load (another job starting on a shared build
// machine) falls on all of them alike. A table's time is the least over
// its rounds (Runs): interference only ever adds time, so the least is
// the closest to the work itself.
func Measure(ctx context.Context, conn *pgx.Conn, tables []Seeded, ops ...Operation) ([]Timing, error) {
	return MeasureWith(ctx, conn, tables, ops, nil)
}

// MeasureWith is Measure that calls progress, when not nil, before it
// times each operation (the index of the operation in ops, which nil
// means Operations).
func MeasureWith(ctx context.Context, conn *pgx.Conn, tables []Seeded, ops []Operation, progress func(i int, op Operation)) ([]Timing, error) {
	if len(ops) == 0 {
		ops = Operations
	}
	best := make([][]time.Duration, len(tables))
	rounds := 0
	for i, t := range tables {
		best[i] = make([]time.Duration, len(ops))
		rounds = max(rounds, Runs(t.Size.Rows))
	}
	for j, op := range ops {
		if progress != nil {
			progress(j, op)
		}
		for r := range rounds {
			for i, t := range tables {
				if r >= Runs(t.Size.Rows) {
					continue
				}
				took, err := timeOnce(ctx, conn, op, t.Name)
				if err != nil {
					return nil, err
				}
				if r == 0 || took < best[i][j] {
					best[i][j] = took
				}
			}
		}
	}
	var timings []Timing
	for i, t := range tables {
		for j, op := range ops {
			timings = append(timings, Timing{Table: t, Op: op, Took: best[i][j]})
		}
	}
	return timings, nil
}

// timeOnce runs op on table once and returns the time its statement took;
// op's Before and After run untimed around it.
func timeOnce(ctx context.Context, conn *pgx.Conn, op Operation, table string) (time.Duration, error) {
	if err := execAll(ctx, conn, op.Before, table); err != nil {
		return 0, err
	}
	q := op.Statement(table)
	start := time.Now()
	if _, err := conn.Exec(ctx, q); err != nil {
		return 0, fmt.Errorf("%s: %w", q, err)
	}
	took := time.Since(start)
	return took, execAll(ctx, conn, op.After, table)
}

// execAll runs each of the statements qs on table, in order.
func execAll(ctx context.Context, conn *pgx.Conn, qs []string, table string) error {
	for _, q := range qs {
		q = strings.ReplaceAll(q, "%[1]s", table)
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// Points turns timings into the measurements that Fit takes, writing a
// line per measurement to log.
func Points(timings []Timing, log io.Writer) []Point {
	points := make([]Point, 0, len(timings))
	for _, m := range timings {
		t := m.Table
		fmt.Fprintf(log, "%-7s %8d rows %10d heap %10d index  %-17s %9.1f ms  %s\n", t.Shape.Name, t.Size.Rows, t.Size.HeapBytes, t.Size.IndexBytes,
			m.Op.Class, float64(m.Took.Microseconds())/1000, m.Op.Statement(t.Name))
		points = append(points, Point{Class: m.Op.Class, Size: m.Op.Size(t.Size), Shape: t.Shape.Name, Seconds: m.Took.Seconds()})
	}
	return points
}

// Runs is how many rounds Measure times an operation on a table of rows
// rows: more on small tables, whose times are short and noisy.
func Runs(rows int64) int {
	if rows <= 20_000 {
		return 5
	}
	return 3
}
