package stats_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/stats"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// seedSQL creates tables of known sizes, with autovacuum off so that
// nothing but the test changes their files or their counters, and
// analyzes them so that reltuples is exact.
const seedSQL = `
CREATE TABLE small (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
INSERT INTO small SELECT g, g FROM generate_series(1, 1000) g;
CREATE TABLE events (id int, at date, v int) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') WITH (autovacuum_enabled = false);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY RANGE (id);
CREATE TABLE events_2026_low PARTITION OF events_2026 FOR VALUES FROM (0) TO (2000) WITH (autovacuum_enabled = false);
CREATE TABLE events_2026_high PARTITION OF events_2026 FOR VALUES FROM (2000) TO (MAXVALUE) WITH (autovacuum_enabled = false);
CREATE INDEX events_at_idx ON events (at);
INSERT INTO events SELECT g, date '2025-01-01' + (g % 700), g FROM generate_series(1, 3000) g;
CREATE TABLE never_analyzed (id int) WITH (autovacuum_enabled = false);
INSERT INTO never_analyzed SELECT generate_series(1, 10);
CREATE TABLE empty (id int) WITH (autovacuum_enabled = false);
CREATE SCHEMA hidden;
CREATE TABLE hidden.notes (id int, body text) WITH (autovacuum_enabled = false);
INSERT INTO hidden.notes SELECT 1, string_agg(md5(g::text), '') FROM generate_series(1, 2000) g;
CREATE MATERIALIZED VIEW small_by_tens AS SELECT id / 10 AS tens, sum(v) AS total FROM small GROUP BY 1;
CREATE UNIQUE INDEX small_by_tens_key ON small_by_tens (tens);
ANALYZE small, events, hidden.notes, small_by_tens;
`

// seed creates the tables of seedSQL in a database of their own and
// returns its target and a connection to it, whose statistics are
// flushed: the seeding's writes are counted before any sample.
func seed(t *testing.T) (*pgtarget.Target, *pgx.Conn) {
	t.Helper()
	target := pgtest.NewTarget(t)
	conn := connect(t, target)
	var num int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT current_setting('server_version_num')::int").Scan(&num))
	if num < 150000 {
		// Before 15, statistics go through the collector, asynchronously:
		// nothing tells when a session's writes are counted.
		t.Skipf("the exact counts need pg_stat_force_next_flush() (PostgreSQL 15 and later); the server runs %d", num)
	}
	exec(t, conn, seedSQL)
	flush(t, conn)
	return target, conn
}

func connect(t *testing.T, target *pgtarget.Target) *pgx.Conn {
	t.Helper()
	conn, err := target.Connect(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	_, err := conn.Exec(context.Background(), sql)
	require.NoError(t, err, sql)
}

// flush makes the session of conn write its statistics to shared memory
// before it answers: pg_stat_force_next_flush() asks for it the next
// time the session goes idle, which it does before it says it is ready
// for the next query.
func flush(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	exec(t, conn, "SELECT pg_stat_force_next_flush()")
}

func int64Of(t *testing.T, conn *pgx.Conn, sql string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, conn.QueryRow(context.Background(), sql).Scan(&n), sql)
	return n
}

// heapPages counts the pages of a table that hold rows, from the rows'
// own addresses (ctid): for a table just filled, its pages.
func heapPages(t *testing.T, conn *pgx.Conn, table string) int64 {
	t.Helper()
	return int64Of(t, conn, "SELECT count(DISTINCT (ctid::text::point)[0])::int8 FROM "+table)
}

// indexPages returns the pages of an index as its build or the last
// ANALYZE counted them.
func indexPages(t *testing.T, conn *pgx.Conn, index string) int64 {
	t.Helper()
	return int64Of(t, conn, fmt.Sprintf("SELECT relpages::int8 FROM pg_class WHERE oid = '%s'::regclass", index))
}

func lookup(t *testing.T, snap *stats.Snapshot, schema, name string) stats.Table {
	t.Helper()
	tb := snap.Lookup(schema, name)
	require.NotNil(t, tb, "%s.%s is in the snapshot", schema, name)
	return *tb
}

// counted returns what a rate counted: the rate times the seconds it is
// over, which is a whole number of rows or scans.
func counted(snap *stats.Snapshot, rate float64) float64 { return rate * snap.SampleSeconds }

// TestTakeSizesRowsAndWrites reads tables of known sizes, with a known
// number of writes and scans made between the two samples.
func TestTakeSizesRowsAndWrites(t *testing.T) {
	target, conn := seed(t)
	ctx := context.Background()
	block := int64Of(t, conn, "SELECT current_setting('block_size')::int8")
	writer := connect(t, target)
	var between bool
	snap, err := stats.Take(ctx, target, stats.Options{
		Interval: time.Millisecond,
		BetweenSamples: func(ctx context.Context) error {
			between = true
			// The sampling session waits idle, outside a transaction,
			// under its own name.
			var state string
			require.NoError(t, conn.QueryRow(ctx, `SELECT state FROM pg_stat_activity
				WHERE application_name = 'pgsafe-stats' AND datname = current_database()`).Scan(&state))
			assert.Equal(t, "idle", state)
			exec(t, writer, "INSERT INTO small SELECT g, g FROM generate_series(1001, 1100) g") // 100 rows
			exec(t, writer, "UPDATE small SET v = v + 1 WHERE id <= 50")                        // 50 rows, 1 scan
			exec(t, writer, "DELETE FROM small WHERE id > 1090")                                // 10 rows, 1 scan
			exec(t, writer, "INSERT INTO events SELECT g, date '2026-06-01', g FROM generate_series(1990, 2009) g")
			exec(t, writer, "SELECT count(*) FROM hidden.notes") // 1 scan
			exec(t, writer, "SELECT count(*) FROM hidden.notes") // 1 scan
			flush(t, writer)
			return nil
		},
	})
	require.NoError(t, err)
	require.True(t, between)

	assert.Equal(t, stats.Format, snap.Format)
	assert.Equal(t, target.Database(), snap.Database)
	assert.Equal(t, int64Of(t, conn, "SELECT current_setting('server_version_num')::int8"), int64(snap.ServerVersionNum))
	assert.NotEmpty(t, snap.ServerVersion)
	assert.Positive(t, snap.SampleSeconds)
	assert.WithinDuration(t, time.Now(), snap.TakenAt, time.Hour)

	small := lookup(t, snap, "public", "small")
	// The rows ANALYZE counted (1,000 on 5 pages), at the rows per page
	// it counted, times the pages the table has now, as the planner
	// estimates them: the writes since grew the table by a page.
	assert.Equal(t, int64(5), int64Of(t, conn, "SELECT relpages::int8 FROM pg_class WHERE oid = 'small'::regclass"))
	assert.Equal(t, heapPages(t, conn, "small")*block, small.HeapBytes)
	assert.Equal(t, 1000/5*small.HeapBytes/block, small.Rows)
	assert.Nil(t, small.PartitionOf)
	assert.InDelta(t, 160, counted(snap, small.WritesPerSecond), 1e-6, "100 inserted, 50 updated, 10 deleted")
	// (The scans of small are not counted here: the planner scans an
	// index of its own accord to find a column's actual bounds.)
	assert.Equal(t, []stats.Index{{Name: "small_pkey", Bytes: int64Of(t, conn, "SELECT pg_relation_size('small_pkey')")}}, small.Indexes)
	assert.Equal(t, small.Indexes[0].Bytes, small.IndexBytes)

	// Partitions are listed with their own figures, and summed into
	// their parents, through every level.
	e2025 := lookup(t, snap, "public", "events_2025")
	e2026 := lookup(t, snap, "public", "events_2026")
	low, high := lookup(t, snap, "public", "events_2026_low"), lookup(t, snap, "public", "events_2026_high")
	events := lookup(t, snap, "public", "events")
	assert.Equal(t, &stats.TableName{Schema: "public", Name: "events"}, e2025.PartitionOf)
	assert.Equal(t, &stats.TableName{Schema: "public", Name: "events_2026"}, low.PartitionOf)
	assert.Nil(t, events.PartitionOf)
	in2025 := int64Of(t, conn, "SELECT count(*) FROM events_2025")
	assert.Equal(t, in2025, e2025.Rows)
	assert.Equal(t, int64(3000)-in2025, low.Rows+high.Rows)
	assert.Equal(t, low.Rows+high.Rows, e2026.Rows)
	assert.Equal(t, int64(3000), events.Rows)
	assert.Equal(t, heapPages(t, conn, "events_2025")*block, e2025.HeapBytes)
	assert.Equal(t, (heapPages(t, conn, "events_2026_low")+heapPages(t, conn, "events_2026_high"))*block, e2026.HeapBytes)
	assert.Equal(t, e2025.HeapBytes+e2026.HeapBytes, events.HeapBytes)
	assert.InDelta(t, 10, counted(snap, low.WritesPerSecond), 1e-6, "ids 1990 to 1999")
	assert.InDelta(t, 10, counted(snap, high.WritesPerSecond), 1e-6, "ids 2000 to 2009")
	assert.InDelta(t, 20, counted(snap, e2026.WritesPerSecond), 1e-6)
	assert.InDelta(t, 20, counted(snap, events.WritesPerSecond), 1e-6)
	assert.InDelta(t, 0, counted(snap, e2025.WritesPerSecond), 1e-6)

	for _, name := range []string{"events_2025_at_idx", "events_2026_low_at_idx", "events_2026_high_at_idx"} {
		require.Positive(t, indexPages(t, conn, name), name)
	}
	leafIndex := indexPages(t, conn, "events_2026_low_at_idx")*block + indexPages(t, conn, "events_2026_high_at_idx")*block
	assert.Equal(t, []stats.Index{{Name: "events_2026_at_idx", Bytes: leafIndex}}, e2026.Indexes)
	assert.Equal(t, leafIndex, e2026.IndexBytes)
	all := leafIndex + indexPages(t, conn, "events_2025_at_idx")*block
	assert.Equal(t, []stats.Index{{Name: "events_at_idx", Bytes: all}}, events.Indexes)
	assert.Equal(t, all, events.IndexBytes)

	// A table never analyzed has an unknown row count; an empty one has
	// none.
	assert.Equal(t, int64(stats.Unknown), lookup(t, snap, "public", "never_analyzed").Rows)
	assert.Equal(t, int64(0), lookup(t, snap, "public", "empty").Rows)
	assert.Equal(t, int64(0), lookup(t, snap, "public", "empty").HeapBytes)

	// The heap's bytes hold the TOAST table where a long value went.
	notes := lookup(t, snap, "hidden", "notes")
	toast := int64Of(t, conn, "SELECT pg_total_relation_size(reltoastrelid) FROM pg_class WHERE oid = 'hidden.notes'::regclass")
	assert.Greater(t, toast, int64(64000/4), "the 64,000-character value is stored in the TOAST table")
	assert.Equal(t, heapPages(t, conn, "hidden.notes")*block+toast, notes.HeapBytes)
	assert.Equal(t, int64(1), notes.Rows)
	assert.InDelta(t, 2, counted(snap, notes.ReadsPerSecond), 1e-6)
	assert.InDelta(t, 0, counted(snap, notes.WritesPerSecond), 1e-6)

	// A materialized view is in the snapshot, as a REFRESH rewrites it:
	// its rows and sizes are those its last refresh stored.
	view := lookup(t, snap, "public", "small_by_tens")
	assert.True(t, view.MaterializedView)
	assert.False(t, small.MaterializedView)
	assert.Equal(t, int64(101), view.Rows, "ids 1 to 1000 by tens, as of its creation")
	assert.Equal(t, heapPages(t, conn, "small_by_tens")*block, view.HeapBytes)
	assert.Equal(t, []stats.Index{{Name: "small_by_tens_key", Bytes: int64Of(t, conn, "SELECT pg_relation_size('small_by_tens_key')")}}, view.Indexes)
	assert.Equal(t, view.Indexes[0].Bytes, view.IndexBytes)

	// The system catalogs are not tables of the snapshot.
	assert.Nil(t, snap.Lookup("pg_catalog", "pg_class"))
	var names []string
	for _, tb := range snap.Tables {
		names = append(names, tb.Schema+"."+tb.Name)
	}
	assert.Equal(t, []string{"hidden.notes", "public.empty", "public.events", "public.events_2025", "public.events_2026",
		"public.events_2026_high", "public.events_2026_low", "public.never_analyzed", "public.small", "public.small_by_tens"}, names)
}

// TestTakeResetCounters: a table whose statistics are reset between the
// samples, and one created between them, have unknown rates, never
// negative ones; the others keep theirs.
func TestTakeResetCounters(t *testing.T) {
	target, _ := seed(t)
	writer := connect(t, target)
	snap, err := stats.Take(context.Background(), target, stats.Options{
		Interval: time.Millisecond,
		BetweenSamples: func(context.Context) error {
			exec(t, writer, "SELECT pg_stat_reset_single_table_counters('small'::regclass)")
			exec(t, writer, "INSERT INTO small VALUES (5000, 1)")
			exec(t, writer, "CREATE TABLE created (id int)")
			exec(t, writer, "INSERT INTO created VALUES (1), (2)")
			exec(t, writer, "INSERT INTO empty VALUES (1), (2), (3)")
			flush(t, writer)
			return nil
		},
	})
	require.NoError(t, err)
	for _, name := range []string{"small", "created"} {
		tb := lookup(t, snap, "public", name)
		assert.False(t, tb.RatesKnown(), name)
		assert.InDelta(t, stats.Unknown, tb.WritesPerSecond, 0, name)
		assert.InDelta(t, stats.Unknown, tb.ReadsPerSecond, 0, name)
	}
	empty := lookup(t, snap, "public", "empty")
	assert.True(t, empty.RatesKnown())
	assert.InDelta(t, 3, counted(snap, empty.WritesPerSecond), 1e-6)
}

// TestTakeReadsNoTableData takes the snapshot as a role that may not
// read a single row of any table, and has no statistics role either
// (neither pg_monitor nor pg_read_all_stats): reading a table's rows
// would fail for it, and the snapshot holds the same figures as the
// owner's.
func TestTakeReadsNoTableData(t *testing.T) {
	target, conn := seed(t)
	ctx := context.Background()
	role := fmt.Sprintf("pgsafe_stats_%d", os.Getpid())
	password := fmt.Sprintf("pw-%d", time.Now().UnixNano())
	exec(t, conn, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", role, password))
	t.Cleanup(func() {
		c, err := pgtest.Target(t).Connect(context.Background())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+target.Database()+" WITH (FORCE)")
		_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+role)
	})
	exec(t, conn, "REVOKE ALL ON ALL TABLES IN SCHEMA public, hidden FROM PUBLIC")
	exec(t, conn, "REVOKE ALL ON SCHEMA public, hidden FROM PUBLIC")
	u, err := url.Parse(target.URL())
	require.NoError(t, err)
	u.User = url.UserPassword(role, password)
	reader, err := pgtarget.Parse(u.String())
	require.NoError(t, err)
	reader = reader.Throwaway(target.Database())

	// The role really cannot read the tables.
	rc := connect(t, reader)
	_, err = rc.Exec(ctx, "SELECT count(*) FROM public.small")
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "reading small as %s: %v", role, err)
	require.Equal(t, "42501", pe.Code, "permission denied")
	var member bool
	require.NoError(t, rc.QueryRow(ctx, "SELECT pg_has_role('pg_read_all_stats', 'MEMBER') OR pg_has_role('pg_monitor', 'MEMBER')").Scan(&member))
	require.False(t, member)

	asOwner, err := stats.Take(ctx, target, stats.Options{Interval: time.Millisecond})
	require.NoError(t, err)
	asReader, err := stats.Take(ctx, reader, stats.Options{Interval: time.Millisecond})
	require.NoError(t, err)
	require.Len(t, asReader.Tables, len(asOwner.Tables))
	for i, want := range asOwner.Tables {
		got := asReader.Tables[i]
		assert.Equal(t, want.Schema+"."+want.Name, got.Schema+"."+got.Name)
		assert.Equal(t, want.Rows, got.Rows, want.Name)
		assert.Equal(t, want.HeapBytes, got.HeapBytes, want.Name)
		assert.Equal(t, want.IndexBytes, got.IndexBytes, want.Name)
		assert.Equal(t, want.Indexes, got.Indexes, want.Name)
		assert.True(t, got.RatesKnown(), want.Name)
	}
	// Untouched since ANALYZE, the tables' rows are exact.
	assert.Equal(t, int64(1000), asReader.Lookup("public", "small").Rows)
	assert.Equal(t, int64(3000), asReader.Lookup("public", "events").Rows)
}

// TestTakeInterrupted: cancelling the context ends the wait between the
// samples at once, with the context's error.
func TestTakeInterrupted(t *testing.T) {
	target := pgtest.NewTarget(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := stats.Take(ctx, target, stats.Options{
		Interval:       24 * time.Hour,
		BetweenSamples: func(context.Context) error { cancel(); return nil },
	})
	require.ErrorIs(t, err, context.Canceled)
}

// TestTakeUnreachable: a server that does not answer is an error naming
// where pgsafe tried to connect.
func TestTakeUnreachable(t *testing.T) {
	target, err := pgtarget.Parse("postgres://nobody:secret@127.0.0.1:1/none?connect_timeout=5")
	require.NoError(t, err)
	_, err = stats.Take(context.Background(), target, stats.Options{Interval: time.Millisecond})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1")
	assert.NotContains(t, err.Error(), "secret")
}
