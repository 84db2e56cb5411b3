package probe_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/probe"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// recorder keeps what the probe's writers do, and wakes whoever waits
// for it.
type recorder struct {
	mu     sync.Mutex
	events []probe.Event
	wake   chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1)} }

func (r *recorder) observe(e probe.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// mark returns the number of events so far, for waitFor's from.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// waitFor waits for an event after the first from that matches, and
// returns its index.
func (r *recorder) waitFor(ctx context.Context, t *testing.T, from int, what string, match func(probe.Event) bool) int {
	t.Helper()
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if match(r.events[i]) {
				r.mu.Unlock()
				return i
			}
		}
		from = len(r.events)
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// any reports whether an event after the first from matches.
func (r *recorder) any(from int, match func(probe.Event) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events[from:] {
		if match(e) {
			return true
		}
	}
	return false
}

func wrote(table string) func(probe.Event) bool {
	return func(e probe.Event) bool { return e.Table == table && e.Done && e.Changed }
}

// TestProbe holds SHARE on one table from before the probe starts: its
// first write ends only after the commit, and the probe counts that wait,
// while writes to another table go on meanwhile; a table created during
// the probe is probed once it has rows, also through a rename. The test
// waits for the writes themselves, never for time to pass.
func TestProbe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	target := pgtest.NewTarget(t)
	conn, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	locker, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = locker.Close(ctx) }()
	_, err = conn.Exec(ctx, "CREATE TABLE locked (id int, v text); INSERT INTO locked VALUES (1, 'a'); CREATE TABLE free (id int); INSERT INTO free VALUES (1)")
	require.NoError(t, err)
	tx, err := locker.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE locked IN SHARE MODE")
	require.NoError(t, err)

	rec := newRecorder()
	p := probe.StartObserved(ctx, target, []string{"public.free", "public.later", "public.locked"}, rec.observe)
	// The write to locked started after the lock: it waits for the commit.
	started := rec.waitFor(ctx, t, 0, "a write to locked", func(e probe.Event) bool { return e.Table == "public.locked" && !e.Done })
	since := time.Now()
	rec.waitFor(ctx, t, started, "a write to free while locked is locked", wrote("public.free"))
	_, err = conn.Exec(ctx, "CREATE TABLE later (id int); INSERT INTO later VALUES (1)")
	require.NoError(t, err)
	rec.waitFor(ctx, t, 0, "a write to the table created meanwhile", wrote("public.later"))
	_, err = conn.Exec(ctx, "ALTER TABLE later RENAME TO renamed")
	require.NoError(t, err)
	rec.waitFor(ctx, t, rec.mark(), "a write to the renamed table", wrote("public.later"))
	assert.False(t, rec.any(0, func(e probe.Event) bool { return e.Table == "public.locked" && e.Done }),
		"no write to locked ends while it is locked")
	waited := time.Since(since)
	require.NoError(t, tx.Commit(ctx))
	rec.waitFor(ctx, t, started, "the write to locked, after the commit", wrote("public.locked"))
	res := p.Stop()

	require.Len(t, res, 3)
	free, later, locked := res[0], res[1], res[2]
	assert.Equal(t, "public.locked", locked.Table)
	assert.GreaterOrEqual(t, locked.Longest, waited, "the write to locked waited for the commit, and the probe counts that wait")
	assert.Positive(t, locked.Writes)
	assert.Positive(t, free.Writes)
	assert.Equal(t, "public.later", later.Table)
	assert.GreaterOrEqual(t, later.Writes, 2, "the table created during the probe is written to, also once renamed")
}
