package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/internal/trace"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// load reads the migrations under paths as `pgsafe trace` reads them.
func load(t *testing.T, paths ...string) []*migration.File {
	t.Helper()
	files, errs := source.Load(paths, source.Options{})
	require.Empty(t, errs)
	return lint.Run(files, lint.Options{KeepTrees: true, SkipDown: true}).Files
}

// statement returns the statement of res at line of the file named base.
func statement(t *testing.T, res *trace.Result, base string, line int) *trace.Statement {
	t.Helper()
	for _, f := range res.Files {
		if filepath.Base(f.Path) != base {
			continue
		}
		for _, st := range f.Statements {
			if st.Line == line {
				return st
			}
		}
	}
	require.Failf(t, "no statement", "%s:%d was not traced", base, line)
	return nil
}

// lockOn returns the lock st took on rel ("public.t"), None when none.
func lockOn(st *trace.Statement, rel string) locks.Mode {
	for _, l := range st.Locks {
		if l.Relation == rel {
			return l.Mode
		}
	}
	return locks.None
}

// TestEffects traces migrations whose effects are known: a rewrite, a
// change without one, a lock the model cannot predict, statements that
// run alone, a TRUNCATE, which gives a table new storage without
// rewriting it, and a lock that the model places through the catalog.
//
// The locks of a statement that runs alone are sampled, which misses a
// lock held for less time than a sample takes: each such statement is
// held up, under its lock, until the sampler saw the lock (see
// holdUntilSampled), so that the test never depends on how fast the
// machine is.
func TestEffects(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target := pgtest.NewTarget(t)
	res, err := trace.Run(ctx, target, load(t, "testdata/effects"), holdUntilSampled(ctx, t, target))
	require.NoError(t, err)
	require.Len(t, res.Files, 6)
	assert.Equal(t, tool.GolangMigrate, res.Files[0].Tool)
	assert.Equal(t, res.ServerMajor, res.ModelVersion)

	typ := statement(t, res, "2_change.up.sql", 1)
	assert.Equal(t, trace.CaptureTransaction, typ.Capture, "a multi-statement query is observed in its transaction")
	assert.Equal(t, locks.AccessExclusive, lockOn(typ, "public.t"))
	assert.Equal(t, []trace.Scan{{Relation: "public.t", Rewritten: true, Scanned: true, Held: locks.AccessExclusive}}, typ.Scans)
	assert.Empty(t, typ.Mismatches)

	add := statement(t, res, "2_change.up.sql", 2)
	assert.Empty(t, add.Scans, "ADD COLUMN without a default neither rewrites nor scans")

	domain := statement(t, res, "2_change.up.sql", 3)
	assert.Equal(t, locks.Share, lockOn(domain, "public.d"), "ALTER DOMAIN ADD CONSTRAINT checks the tables that use the domain")
	assert.Equal(t, []trace.Mismatch{{Relation: "public.d", Took: locks.Share, Model: locks.None}}, domain.Mismatches,
		"the static model cannot know which tables use a domain")

	cic := statement(t, res, "3_index.up.sql", 1)
	assert.Equal(t, trace.CaptureSampled, cic.Capture)
	assert.Equal(t, locks.ShareUpdateExclusive, lockOn(cic, "public.t"))
	assert.Empty(t, cic.Mismatches)

	vacuum := statement(t, res, "4_vacuum.up.sql", 1)
	assert.Equal(t, trace.CaptureSampled, vacuum.Capture)
	assert.Equal(t, locks.AccessExclusive, lockOn(vacuum, "public.t"))
	assert.Equal(t, []trace.Scan{{Relation: "public.t", Rewritten: true, Held: locks.AccessExclusive}}, vacuum.Scans)

	truncate := statement(t, res, "5_truncate.up.sql", 1)
	assert.Equal(t, locks.AccessExclusive, lockOn(truncate, "public.d"))
	assert.Empty(t, truncate.Scans, "TRUNCATE starts new storage but rewrites nothing")

	attach := statement(t, res, "6_attach.up.sql", 1)
	assert.Equal(t, locks.AccessExclusive, lockOn(attach, "public.p_def"), "ATTACH PARTITION scans the default partition")
	assert.Equal(t, locks.ShareUpdateExclusive, lockOn(attach, "public.p"))
	assert.Empty(t, attach.Mismatches, "the model places the default partition's lock through the catalog")

	assert.Len(t, res.Mismatches(), 1)

	var text, js bytes.Buffer
	require.NoError(t, trace.Text(&text, res, trace.TextOptions{}))
	assert.Contains(t, text.String(), "MISMATCH: predicts no lock")
	assert.Contains(t, text.String(), "rewrote the table")
	require.NoError(t, trace.JSON(&js, res))
	var doc struct {
		Files []struct {
			Statements []struct {
				Capture string `json:"capture"`
				Locks   []struct {
					Relation, Mode string
				} `json:"locks"`
			} `json:"statements"`
		} `json:"files"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &doc))
	assert.Equal(t, "sampled", doc.Files[2].Statements[0].Capture)
}

// holdUntilSampled returns trace options that hold up each statement of
// testdata/effects that runs alone until the sampler saw its lock on t:
// CREATE INDEX CONCURRENTLY waits, under SHARE UPDATE EXCLUSIVE, for a
// transaction that holds ROW EXCLUSIVE on t; VACUUM FULL waits, under
// ACCESS EXCLUSIVE, for an advisory lock that the index t_gate takes as
// VACUUM FULL rebuilds it. Each is let go once its lock was sampled.
func holdUntilSampled(ctx context.Context, t *testing.T, target *pgtarget.Target) trace.Options {
	t.Helper()
	blocker, err := target.Connect(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = blocker.Close(context.Background()) })
	var (
		table   uint32
		holding locks.Mode // the lock to see on t before letting go
		letGo   string     // what lets the statement go on
	)
	opts := trace.Options{BeforeFile: func(ctx context.Context, f *migration.File) error {
		var hold []string
		switch filepath.Base(f.Path) {
		case "3_index.up.sql":
			holding, letGo = locks.ShareUpdateExclusive, "COMMIT"
			hold = []string{"BEGIN", "LOCK TABLE t IN ROW EXCLUSIVE MODE"}
		case "4_vacuum.up.sql":
			holding, letGo = locks.AccessExclusive, "SELECT pg_advisory_unlock(4242)"
			hold = []string{"SELECT pg_advisory_lock(4242)"}
		default:
			return nil
		}
		if err := blocker.QueryRow(ctx, "SELECT 't'::regclass::oid").Scan(&table); err != nil {
			return err
		}
		for _, sql := range hold {
			if _, err := blocker.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	}}
	return trace.WithSampled(opts, func(seen map[uint32]locks.Mode) {
		if letGo == "" || seen[table] < holding {
			return
		}
		_, err := blocker.Exec(ctx, letGo)
		assert.NoError(t, err)
		letGo = ""
	})
}

// TestRollback traces in one transaction rolled back at the end: the
// statements that cannot run in a transaction block are skipped, and the
// database is left as it was.
func TestRollback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target := pgtest.NewTarget(t)
	res, err := trace.Run(ctx, target, load(t, "testdata/effects"), trace.Options{Rollback: true})
	require.NoError(t, err)
	assert.True(t, res.RolledBack)
	// The lock the earlier CREATE TABLE took is still held: it shows as
	// the lock held during the rewrite.
	assert.Equal(t, []trace.Scan{{Relation: "public.t", Rewritten: true, Scanned: true, Held: locks.AccessExclusive}},
		statement(t, res, "2_change.up.sql", 1).Scans)
	for _, base := range []string{"3_index.up.sql", "4_vacuum.up.sql"} {
		st := statement(t, res, base, 1)
		assert.Equal(t, trace.CaptureSkipped, st.Capture, base)
		assert.Contains(t, st.Note, "cannot run inside a transaction block", base)
	}
	conn, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var tables int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables))
	assert.Zero(t, tables, "the run was rolled back")
}

// TestExample traces the README's example and checks the locks that the
// lint output talks about.
func TestExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := trace.Run(ctx, pgtest.NewTarget(t), load(t, "../../fixtures/examples/goose"), trace.Options{})
	require.NoError(t, err)
	assert.Empty(t, res.Mismatches())
	assert.Equal(t, locks.Share, lockOn(statement(t, res, "00002_order_status.sql", 4), "public.orders"))
	fk := statement(t, res, "00003_orders_customer_fk.sql", 3)
	assert.Equal(t, locks.ShareRowExclusive, lockOn(fk, "public.orders"))
	assert.Equal(t, locks.ShareRowExclusive, lockOn(fk, "public.customers"))
	notNull := statement(t, res, "00004_customers_email_required.sql", 2)
	assert.Equal(t, locks.AccessExclusive, lockOn(notNull, "public.customers"))
	assert.Equal(t, []trace.Scan{{Relation: "public.customers", Scanned: true, Held: locks.AccessExclusive}}, notNull.Scans)
}

// TestHolds traces rows inserted into a new table, an index build and a
// column added in one transaction, and a column added in the next: each lock is held from the statement
// that took it to the end of its transaction's last statement.
func TestHolds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := trace.Run(ctx, pgtest.NewTarget(t), load(t, "testdata/holds"), trace.Options{})
	require.NoError(t, err)
	insert, index, addNote, addFlag := statement(t, res, "1_create.up.sql", 2), statement(t, res, "2_change.up.sql", 1), statement(t, res, "2_change.up.sql", 2), statement(t, res, "3_later.up.sql", 1)
	end := func(st *trace.Statement) time.Time { return st.Start.Add(st.Duration) }
	require.False(t, index.Start.IsZero())
	assert.False(t, addNote.Start.Before(end(index)), "statements start after the one before ended")

	// Times as offsets from the index build's start, which compare
	// whatever their clock readings.
	type span struct {
		mode     locks.Mode
		from, to time.Duration
	}
	at := func(mode locks.Mode, from, to time.Time) span {
		return span{mode, from.Sub(index.Start), to.Sub(index.Start)}
	}
	var onOrders []span
	for _, h := range res.Holds {
		if h.Relation == "public.orders" {
			onOrders = append(onOrders, at(h.Mode, h.From, h.To))
			assert.Equal(t, h.File == 0, h.NewInFile)
		}
	}
	// CREATE TABLE's own lock is left out: nobody else can wait for a
	// table that a statement creates.
	assert.Equal(t, []span{
		at(locks.RowExclusive, insert.Start, end(insert)),
		at(locks.Share, index.Start, end(addNote)),
		at(locks.AccessExclusive, addNote.Start, end(addNote)),
		at(locks.AccessExclusive, addFlag.Start, end(addFlag)),
	}, onOrders)
}
