package estimate_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/stats"
	"github.com/pgsafe/pgsafe/rules"
)

// model is a round model, so that the expected times are easy to check:
// an index build costs 1 s per million rows, a scan 0.1 s, a rewrite 2 s,
// a validation 0.05 s, updating every row 3 s, deleting every row 0.5 s,
// instant work 1 ms; a foreign key check 0.2 s per million rows of the
// table and 1 s per million rows of the table it references.
var model = &estimate.Model{Format: estimate.ModelFormat, Costs: map[estimate.Class]estimate.Cost{
	estimate.Instant:         {Seconds: 0.001},
	estimate.Validation:      {SecondsPerMillionRows: 0.05},
	estimate.Scan:            {SecondsPerMillionRows: 0.1},
	estimate.ForeignKeyCheck: {SecondsPerMillionRows: 0.2, SecondsPerMillionReferencedRows: 1},
	estimate.IndexBuild:      {SecondsPerMillionRows: 1},
	estimate.Rewrite:         {SecondsPerMillionRows: 2},
	estimate.RowDeletes:      {SecondsPerMillionRows: 0.5},
	estimate.RowUpdates:      {SecondsPerMillionRows: 3},
}}

var snapshot = &stats.Snapshot{Format: stats.Format, TakenAt: time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC), Database: "shop", Tables: []stats.Table{
	{Schema: "public", Name: "orders", Rows: 48_000_000, HeapBytes: 9 << 30, IndexBytes: 2 << 30, WritesPerSecond: 1204.6,
		Indexes: []stats.Index{{Name: "orders_pkey", Bytes: 1 << 30}, {Name: "orders_customer_idx", Bytes: 1 << 29}, {Name: "orders_at_idx", Bytes: 1 << 29}}},
	{Schema: "public", Name: "countries", Rows: 250, HeapBytes: 49152, IndexBytes: 32768},
	{Schema: "public", Name: "customers", Rows: 2_000_000, HeapBytes: 150 << 20, IndexBytes: 50 << 20, WritesPerSecond: 310},
	{Schema: "sales", Name: "leads", Rows: 2_000_000, HeapBytes: 1 << 30, WritesPerSecond: 3.25},
	{Schema: "public", Name: "fresh", Rows: stats.Unknown, HeapBytes: 8192, WritesPerSecond: stats.Unknown, ReadsPerSecond: stats.Unknown},
	{Schema: "public", Name: "daily_totals", MaterializedView: true, Rows: 5_000_000, HeapBytes: 1 << 29, IndexBytes: 1 << 27, ReadsPerSecond: 12},
	{Schema: "public", Name: "country_codes", MaterializedView: true, Rows: 250, HeapBytes: 16384},
}}

// run lints files (in one transaction each: transaction-per-file) and
// applies the estimate.
func run(t *testing.T, files ...source.File) []rules.Diagnostic {
	t.Helper()
	res := lint.Run(files, lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}})
	estimate.Apply(res, estimate.Options{Snapshot: snapshot, Model: model})
	return res.Diagnostics
}

// find returns the finding of rule code on table, failing when there is
// none.
func find(t *testing.T, ds []rules.Diagnostic, code, table string) rules.Diagnostic {
	t.Helper()
	for _, d := range ds {
		if d.Rule.Code == code && d.Table == table {
			return d
		}
	}
	require.Failf(t, "no finding", "%s on %s in %v", code, table, ds)
	return rules.Diagnostic{}
}

func TestApplyEstimatesKnownTables(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX orders_customer_idx ON orders (customer_id);\n"})
	d := find(t, ds, "PS001", "orders")
	require.NotNil(t, d.Impact)
	im := d.Impact
	assert.True(t, im.Known)
	assert.Equal(t, int64(48_000_000), im.Rows)
	assert.Equal(t, int64(11<<30), im.Bytes)
	assert.InDelta(t, 1204.6, im.WritesPerSecond, 1e-9)
	assert.True(t, im.Estimated)
	assert.Equal(t, 48*time.Second, im.Block)
	assert.Equal(t, rules.Error, d.Severity, "48 s is above the threshold")
	assert.Equal(t, "blocks writes to orders (48M rows, 11 GB, ~1,205 writes/s) for about 48 seconds (index build)", im.Note)
}

func TestApplyLowersShortBlocksToHints(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX countries_name_idx ON countries (name);\n"})
	d := find(t, ds, "PS001", "countries")
	assert.Equal(t, rules.Hint, d.Severity)
	assert.Equal(t, rules.Error, d.Impact.Lowered)
	assert.Equal(t, "blocks writes to countries (250 rows, 80 kB, no writes) for about 1 ms (index build): below the 1s threshold, so a hint rather than an error", d.Impact.Note)
}

func TestApplyKeepsSeverityOfInstantWork(t *testing.T) {
	// A rename is instant, but its error is about the code that still
	// reads the old name, not about how long it blocks.
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE countries RENAME COLUMN name TO label;\n"})
	d := find(t, ds, "PS025", "countries")
	assert.Equal(t, d.Rule.Severity, d.Severity)
	assert.Zero(t, d.Impact.Lowered)
	assert.Contains(t, d.Impact.Note, "for about 1 ms (metadata only)")
}

func TestApplyUnknownAndNewTables(t *testing.T) {
	ds := run(t,
		source.File{Path: "1.sql", Text: "CREATE TABLE audit_log (id bigint PRIMARY KEY, at timestamptz);\n"},
		source.File{Path: "2.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX audit_log_at_idx ON audit_log (at);\nCREATE INDEX invoices_due_idx ON invoices (due_on);\n"},
	)
	fresh := find(t, ds, "PS001", "audit_log")
	assert.True(t, fresh.Impact.New)
	assert.Equal(t, rules.Hint, fresh.Severity)
	assert.Contains(t, fresh.Impact.Note, "audit_log is not in the snapshot and is created earlier in this migration set (1.sql), so it is empty when this runs")

	unknown := find(t, ds, "PS001", "invoices")
	assert.False(t, unknown.Impact.Known || unknown.Impact.New || unknown.Impact.Estimated)
	assert.Equal(t, rules.Error, unknown.Severity, "an unknown table keeps its severity")
	assert.Equal(t, "invoices is not in the snapshot (taken 2026-12-05 of shop): a table created since it was taken, or one it does not cover; no estimate", unknown.Impact.Note)
}

func TestApplyDoesNotLowerAFloor(t *testing.T) {
	// The SHARE lock on countries lasts through a build on a table the
	// snapshot does not know: the estimate is only a floor, and the
	// error stays.
	ds := run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCREATE INDEX countries_name_idx ON countries (name);\nCREATE INDEX invoices_due_idx ON invoices (due_on);\nCOMMIT;\n"})
	d := find(t, ds, "PS001", "countries")
	assert.Equal(t, rules.Error, d.Severity)
	assert.Contains(t, d.Impact.Note, "for at least 1 ms (index build, and the rest of its transaction, where a statement cannot be priced)")
}

func TestApplyNoRowCount(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX fresh_idx ON fresh (id);\n"})
	d := find(t, ds, "PS001", "fresh")
	assert.True(t, d.Impact.Known)
	assert.False(t, d.Impact.Estimated)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "blocks writes to fresh (rows unknown, 8 kB, writes/s unknown): no estimate of how long (the snapshot has no row count for it: never analyzed)", d.Impact.Note)
}

func TestApplyAddsTheRestOfTheTransaction(t *testing.T) {
	// The type change's ACCESS EXCLUSIVE lasts through the index build
	// that follows it in the same transaction: 96 s + 48 s.
	ds := run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ALTER COLUMN total TYPE numeric(14, 2);\nCREATE INDEX orders_total_idx ON orders (total);\nCOMMIT;\n"})
	d := find(t, ds, "PS024", "orders")
	assert.Equal(t, 144*time.Second, d.Impact.Block)
	assert.Contains(t, d.Impact.Note, "for about 2 minutes (table rewrite, and the rest of its transaction)")
	assert.Equal(t, 48*time.Second, find(t, ds, "PS001", "orders").Impact.Block)
}

func TestApplySchemaQualifiedAndValidation(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE sales.leads VALIDATE CONSTRAINT leads_ok;\n"})
	for _, d := range ds {
		if d.Impact != nil {
			assert.Equal(t, "sales.leads", d.Impact.Table)
			assert.Equal(t, 100*time.Millisecond, d.Impact.Block)
			assert.Equal(t, "validation scan", d.Impact.Operation)
		}
	}
}

func TestApplyWithoutSnapshotChangesNothing(t *testing.T) {
	res := lint.Run([]source.File{{Path: "1.sql", Text: "CREATE INDEX i ON orders (c);\n"}}, lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15}})
	before := append([]rules.Diagnostic(nil), res.Diagnostics...)
	estimate.Apply(res, estimate.Options{})
	assert.Equal(t, before, res.Diagnostics)
}

func TestApplyWholeTableUpdate(t *testing.T) {
	// Updating every row locks every row until commit, under ROW
	// EXCLUSIVE: inserts and reads go on, writes to the rows wait.
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nUPDATE orders SET total = 0;\n"})
	d := find(t, ds, "PS034", "orders")
	require.NotNil(t, d.Impact)
	assert.True(t, d.Impact.Estimated)
	assert.Equal(t, 144*time.Second, d.Impact.Block)
	assert.Equal(t, "update of every row", d.Impact.Operation)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "locks every row of orders (48M rows, 11 GB, ~1,205 writes/s) for about 2 minutes (update of every row): "+
		"until its transaction ends, updates, deletes and SELECT ... FOR UPDATE or FOR SHARE of any of its rows wait, "+
		"and so do inserts that repeat a unique key of its rows and schema changes of the table (and, when it sets a key column, "+
		"inserts that reference its rows by a foreign key); reads and other inserts go on", d.Impact.Note)

	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nDELETE FROM orders;\n"})
	d = find(t, ds, "PS034", "orders")
	assert.Equal(t, 24*time.Second, d.Impact.Block, "a delete is priced as one")
	assert.Equal(t, "delete of every row", d.Impact.Operation)

	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nDELETE FROM countries;\n"})
	d = find(t, ds, "PS034", "countries")
	assert.Equal(t, rules.Hint, d.Severity, "250 rows: under the threshold")
	assert.Equal(t, "locks every row of countries (250 rows, 80 kB, no writes) for about 1 ms (delete of every row): "+
		"until its transaction ends, updates, deletes and SELECT ... FOR UPDATE, FOR SHARE or FOR KEY SHARE of any of its rows wait, "+
		"and so do inserts that reference its rows by a foreign key or repeat a unique key of theirs, and schema changes of the table; "+
		"reads and other inserts go on: below the 1s threshold, so a hint rather than an error", d.Impact.Note)
}

// TestApplyModelWithoutTheRowClasses prices a whole-table DELETE with a
// model that an earlier pgsafe calibrated, before deletes had a price: the
// finding has the table's figures, no estimate, its severity, and says to
// calibrate again; the index build beside it is priced.
func TestApplyModelWithoutTheRowClasses(t *testing.T) {
	earlier := &estimate.Model{Format: estimate.ModelFormat, Costs: map[estimate.Class]estimate.Cost{}}
	for c, cost := range model.Costs {
		if c != estimate.RowDeletes && c != estimate.RowUpdates {
			earlier.Costs[c] = cost
		}
	}
	res := lint.Run([]source.File{{Path: "1.sql", Text: "SET lock_timeout = '2s';\nDELETE FROM orders;\n"}, {Path: "2.sql", Text: "SET lock_timeout = '2s';\nCREATE INDEX orders_total_idx ON orders (total);\n"}},
		lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}})
	estimate.Apply(res, estimate.Options{Snapshot: snapshot, Model: earlier})
	d := find(t, res.Diagnostics, "PS034", "orders")
	require.NotNil(t, d.Impact)
	assert.False(t, d.Impact.Estimated)
	assert.Equal(t, rules.Error, d.Severity)
	assert.EqualValues(t, 48_000_000, d.Impact.Rows)
	assert.Contains(t, d.Impact.Note, "no estimate of how long (the cost model has no price for delete of every row, work it was calibrated before pgsafe priced: calibrate again)")
	d = find(t, res.Diagnostics, "PS001", "orders")
	require.NotNil(t, d.Impact)
	assert.True(t, d.Impact.Estimated)
	assert.Equal(t, 48*time.Second, d.Impact.Block)
}

func TestApplyWholeTableUpdateAfterSchemaChange(t *testing.T) {
	// After an ADD COLUMN in the same transaction, the update runs under
	// its ACCESS EXCLUSIVE: reads and writes wait for the whole update,
	// which the ADD COLUMN's findings count as the rest of the
	// transaction.
	ds := run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN plan text;\nUPDATE orders SET plan = 'free';\nCOMMIT;\n"})
	d := find(t, ds, "PS034", "orders")
	assert.Equal(t, 144*time.Second, d.Impact.Block)
	assert.Equal(t, "blocks reads and writes to orders (48M rows, 11 GB, ~1,205 writes/s) for about 2 minutes (update of every row)", d.Impact.Note)
	for _, d := range ds {
		if d.Impact != nil && d.Span.Start < len("BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN plan text;") {
			assert.Equal(t, 144*time.Second+time.Millisecond, d.Impact.Block, "%s: %s", d.Rule.Code, d.Impact.Note)
		}
	}
}

func TestApplyUnpricedWork(t *testing.T) {
	// An UPDATE whose WHERE filters is not whole-table work, and has no
	// price: a finding on it gets the table's figures and no estimate,
	// and keeps its severity.
	ds := run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN plan text;\nUPDATE orders SET plan = 'free' WHERE id < 100;\nCOMMIT;\n"})
	var checked int
	for _, d := range ds {
		if d.Impact != nil && d.Impact.Table == "orders" && d.Span.Start > len("BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD COLUMN plan text;") {
			checked++
			assert.False(t, d.Impact.Estimated, d.Rule.Code)
			assert.Contains(t, d.Impact.Note, "no estimate of how long (the model has no price for this statement's work)")
		}
	}
	require.Positive(t, checked, "a finding on the UPDATE: %v", ds)
}

func TestApplyReindexTableBuildsEveryIndex(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nREINDEX TABLE orders;\n"})
	assert.Equal(t, 3*48*time.Second, find(t, ds, "PS004", "orders").Impact.Block, "one build per index of the snapshot")
	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nREINDEX TABLE countries;\n"})
	assert.Equal(t, time.Duration(0), find(t, ds, "PS004", "countries").Impact.Block.Truncate(time.Millisecond), "no index listed: one build, of 250 rows")
}

func TestApplySeveralTables(t *testing.T) {
	// VACUUM FULL of two tables rewrites each under its own ACCESS
	// EXCLUSIVE: the finding is priced on both, its figures are the
	// longer's, and the note gives each.
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nVACUUM FULL countries, orders;\n"})
	d := find(t, ds, "PS030", "countries, orders")
	im := d.Impact
	require.NotNil(t, im)
	assert.Equal(t, "orders", im.Table, "the table blocked longest")
	assert.Equal(t, int64(48_000_000), im.Rows)
	assert.Equal(t, 96*time.Second, im.Block)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "blocks reads and writes to orders (48M rows, 11 GB, ~1,205 writes/s) for about 2 minutes (table rewrite), the longest of the 2 tables it locks; "+
		"blocks reads and writes to countries (250 rows, 80 kB, no writes) for about 1 ms (table rewrite)", im.Note)
}

func TestApplySeveralTablesOneUnknown(t *testing.T) {
	// A table the snapshot lacks may be the longest: the finding keeps
	// its severity, and says which table is unknown.
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nVACUUM FULL countries, invoices;\n"})
	d := find(t, ds, "PS030", "countries, invoices")
	assert.Equal(t, "countries", d.Impact.Table)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "blocks reads and writes to countries (250 rows, 80 kB, no writes) for about 1 ms (table rewrite), the longest that can be priced of the 2 tables it locks; "+
		"invoices is not in the snapshot (taken 2026-12-05 of shop): a table created since it was taken, or one it does not cover; no estimate", d.Impact.Note)
}

func TestApplySeveralSmallTables(t *testing.T) {
	// Every table it locks is priced under the threshold: a hint.
	ds := run(t,
		source.File{Path: "1.sql", Text: "CREATE TABLE audit_log (id bigint PRIMARY KEY, at timestamptz);\n"},
		source.File{Path: "2.sql", Text: "SET lock_timeout = '2s';\nVACUUM FULL audit_log, countries;\n"},
	)
	d := find(t, ds, "PS030", "audit_log, countries")
	assert.Equal(t, rules.Hint, d.Severity)
	assert.Equal(t, "countries", d.Impact.Table)
	assert.Contains(t, d.Impact.Note, "audit_log is not in the snapshot and is created earlier in this migration set (1.sql), so it is empty when this runs: blocks reads and writes to it for about 1 ms")
	assert.True(t, strings.HasSuffix(d.Impact.Note, ": below the 1s threshold, so a hint rather than an error"), d.Impact.Note)
}

func TestApplyRefreshMaterializedView(t *testing.T) {
	// A refresh writes the view anew, priced as a rewrite of its current
	// size; its query comes first and has no price, so the estimate is a
	// floor, and lowers nothing.
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW daily_totals;\n"})
	d := find(t, ds, "PS031", "daily_totals")
	require.NotNil(t, d.Impact)
	assert.True(t, d.Impact.Estimated)
	assert.True(t, d.Impact.AtLeast)
	assert.Equal(t, 10*time.Second, d.Impact.Block)
	assert.Equal(t, "blocks reads and writes to daily_totals (5M rows, 640 MB, no writes) for at least 10 seconds (refresh of the materialized view): "+
		"the estimate is for writing new contents about as large as the view's current ones, as a table rewrite; running the view's query comes first and is not priced", d.Impact.Note)

	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nREFRESH MATERIALIZED VIEW country_codes;\n"})
	d = find(t, ds, "PS031", "country_codes")
	assert.Equal(t, rules.Error, d.Severity, "a floor of 1 ms says nothing of the query's time")
	assert.Zero(t, d.Impact.Lowered)

	// Later in a transaction, it makes the earlier findings' estimate a
	// floor too.
	ds = run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\nCREATE INDEX orders_at_idx ON orders (at);\nREFRESH MATERIALIZED VIEW daily_totals;\nCOMMIT;\n"})
	d = find(t, ds, "PS001", "orders")
	assert.Equal(t, 58*time.Second, d.Impact.Block)
	assert.True(t, d.Impact.AtLeast)
	assert.Contains(t, d.Impact.Note, "for at least 58 seconds (index build, and the rest of its transaction, where a statement cannot be priced)")
}

// TestApplyForeignKeyBlocksTheReferencedTable prices ADD FOREIGN KEY on
// both of its tables: the check reads orders and customers, and the lock
// on customers, SHARE ROW EXCLUSIVE like the one on orders, blocks writes
// to it for as long. The figures are orders', the table the finding
// names; the note gives customers' too.
func TestApplyForeignKeyBlocksTheReferencedTable(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);\n"})
	d := find(t, ds, "PS009", "orders")
	im := d.Impact
	require.NotNil(t, im)
	assert.Equal(t, "orders", im.Table)
	assert.EqualValues(t, 48_000_000, im.Rows)
	assert.Equal(t, "foreign key check", im.Operation)
	// 48M rows at 0.2 s, 2M referenced rows at 1 s.
	assert.Equal(t, 11600*time.Millisecond, im.Block)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "blocks writes to orders (48M rows, 11 GB, ~1,205 writes/s) and to customers (2M rows, 200 MB, ~310 writes/s) for about 12 seconds (foreign key check)", im.Note)

	// Two keys: two checks, one against each referenced table.
	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers, ADD FOREIGN KEY (country) REFERENCES countries;\n"})
	im = find(t, ds, "PS009", "orders").Impact
	assert.Equal(t, 11600*time.Millisecond+9600*time.Millisecond+250*time.Microsecond, im.Block)
	assert.Contains(t, im.Note, "and to customers (2M rows, 200 MB, ~310 writes/s) and to countries (250 rows, 80 kB, no writes) for about 21 seconds")

	// A referenced table the snapshot lacks: orders' figures, no estimate.
	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE orders ADD FOREIGN KEY (invoice_id) REFERENCES invoices;\n"})
	d = find(t, ds, "PS009", "orders")
	assert.False(t, d.Impact.Estimated)
	assert.Equal(t, rules.Error, d.Severity)
	assert.Equal(t, "blocks writes to orders (48M rows, 11 GB, ~1,205 writes/s) and to invoices (not in the snapshot): "+
		"no estimate of how long (the foreign key check reads invoices too, and it is not in the snapshot (taken 2026-12-05 of shop))", d.Impact.Note)

	// A small table referencing a small one: a hint.
	ds = run(t, source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE countries ADD FOREIGN KEY (region_id) REFERENCES countries;\n"})
	d = find(t, ds, "PS009", "countries")
	assert.Equal(t, rules.Hint, d.Severity)
	assert.Equal(t, "blocks writes to countries (250 rows, 80 kB, no writes) for about 1 ms (foreign key check): below the 1s threshold, so a hint rather than an error", d.Impact.Note)
}

// TestApplyValidateForeignKeyInItsAddsTransaction prices VALIDATE
// CONSTRAINT of a foreign key in the transaction of the ADD ... NOT VALID
// that added it (validate-in-same-transaction) as a foreign key check:
// the add's SHARE ROW EXCLUSIVE on both tables lasts through it.
func TestApplyValidateForeignKeyInItsAddsTransaction(t *testing.T) {
	ds := run(t, source.File{Path: "1.sql", Text: "BEGIN;\nSET LOCAL lock_timeout = '2s';\n" +
		"ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n" +
		"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey;\nCOMMIT;\n"})
	d := find(t, ds, "PS014", "orders")
	require.NotNil(t, d.Impact)
	assert.Equal(t, "foreign key check", d.Impact.Operation)
	assert.Equal(t, 11600*time.Millisecond, d.Impact.Block)
	assert.Equal(t, "blocks writes to orders (48M rows, 11 GB, ~1,205 writes/s) and to customers (2M rows, 200 MB, ~310 writes/s) for about 12 seconds (foreign key check)", d.Impact.Note)
}

// TestApplyValidateForeignKeyAlone: in a transaction of its own, VALIDATE
// CONSTRAINT of a foreign key takes SHARE UPDATE EXCLUSIVE on the table
// and ROW SHARE on the referenced one, which block no reads or writes: no
// rule reports it, and no finding carries an estimate.
func TestApplyValidateForeignKeyAlone(t *testing.T) {
	ds := run(t,
		source.File{Path: "1.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n"},
		source.File{Path: "2.sql", Text: "SET lock_timeout = '2s';\nALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey;\n"},
	)
	for _, d := range ds {
		assert.NotEqual(t, "2.sql", d.Path, "%s: %s", d.Rule.Code, d.Message)
	}
}
