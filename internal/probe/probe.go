// Package probe measures how long writes to tables wait while something
// else runs: one connection per table updates a single row, again and
// again, and the longest of those writes is the figure that users of the
// table would feel.
package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgsafe/pgsafe/internal/pgtarget"
)

// Result is what the writes to one table saw.
type Result struct {
	Table string // "schema.name", as named when probing started
	// Writes counts the writes that changed a row.
	Writes int
	// Longest is the longest write, lock waits included.
	Longest time.Duration
	// Blocked counts the writes that took longer than BlockedAfter.
	Blocked int
	// Err is the last error of a write that failed, "" when none did.
	Err string
	// Waits are the writes that took longer than WaitedAfter, in the
	// order they started: when the writer stalled, for a timeline.
	Waits []Wait
}

// Wait is one write that took long.
type Wait struct {
	Start time.Time
	Took  time.Duration
}

// Probe writes to tables until Stop.
type Probe struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	results []*Result
}

// Interval is the pause between two writes to a table.
const Interval = 5 * time.Millisecond

// BlockedAfter is how long a single-row write may take before it counts
// as blocked: far longer than the write itself, which takes well under a
// millisecond on an idle server.
const BlockedAfter = 100 * time.Millisecond

// WaitedAfter is how long a single-row write may take before Result.Waits
// lists it: far longer than the write takes on an idle server, so that
// the list shows lock waits rather than every scheduling hiccup.
const WaitedAfter = 10 * time.Millisecond

// Start starts writing to each of tables, named "schema.name", on the
// database of target. A table that does not exist yet, or has no row yet,
// is looked for again before each write, so that tables the migrations
// create are probed once they hold rows; the table is followed by its
// OID, through renames.
func Start(ctx context.Context, target *pgtarget.Target, tables []string) *Probe {
	return start(ctx, target, tables, nil)
}

// event is what a writer does: a write about to start, or one that ended,
// for tests that wait for what the probe does rather than for time to
// pass.
type event struct {
	Table string
	// Done reports that the write ended: it took Took and changed a row
	// when Changed.
	Done    bool
	Took    time.Duration
	Changed bool
}

// start is Start, telling observe (when not nil) of each write.
func start(ctx context.Context, target *pgtarget.Target, tables []string, observe func(event)) *Probe {
	ctx, cancel := context.WithCancel(ctx)
	p := &Probe{cancel: cancel}
	for _, t := range tables {
		r := &Result{Table: t}
		p.results = append(p.results, r)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w := &writer{target: target, res: r, observe: observe}
			w.run(ctx)
		}()
	}
	return p
}

// Stop stops the writes and returns what they saw, by table name.
func (p *Probe) Stop() []Result {
	p.cancel()
	p.wg.Wait()
	out := make([]Result, len(p.results))
	for i, r := range p.results {
		out[i] = *r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out
}

// writer writes to one table.
type writer struct {
	target *pgtarget.Target
	res    *Result
	conn   *pgx.Conn
	oid    uint32
	sql    string // the write, "" until the table is found
	// observe, when not nil, is told of each write.
	observe func(event)
}

func (w *writer) run(ctx context.Context) {
	defer func() {
		if w.conn != nil {
			_ = w.conn.Close(context.Background())
		}
	}()
	for {
		w.write(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(Interval):
		}
	}
}

// write makes one write, finding the table and a column to write first
// when needed.
func (w *writer) write(ctx context.Context) {
	if w.conn == nil {
		conn, err := w.target.Connect(ctx)
		if err != nil {
			w.fail(ctx, err)
			return
		}
		w.conn = conn
	}
	if w.sql == "" {
		if err := w.find(ctx); err != nil {
			w.fail(ctx, err)
			return
		}
		if w.sql == "" {
			return
		}
	}
	start := time.Now()
	if w.observe != nil {
		// After start: whoever sees the event knows the write's clock runs.
		w.observe(event{Table: w.res.Table})
	}
	tag, err := w.conn.Exec(ctx, w.sql)
	took := time.Since(start)
	if w.observe != nil {
		w.observe(event{Table: w.res.Table, Done: true, Took: took, Changed: err == nil && tag.RowsAffected() > 0})
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cut short by Stop: it waited this long at least.
			w.record(start, took)
			return
		}
		w.sql = "" // the column or the table may have changed
		w.fail(ctx, err)
		return
	}
	// A write that found no row to change is not counted: while rows are
	// being loaded, finding none can take long without any lock wait.
	if tag.RowsAffected() > 0 {
		w.res.Writes++
		w.record(start, took)
	}
}

// record counts a write that started at start and took took.
func (w *writer) record(start time.Time, took time.Duration) {
	if took > WaitedAfter {
		w.res.Waits = append(w.res.Waits, Wait{Start: start, Took: took})
	}
	if took > w.res.Longest {
		w.res.Longest = took
	}
	if took > BlockedAfter {
		w.res.Blocked++
	}
}

// find resolves the table to its OID (once) and its current name, and
// picks a column that a write can set to itself.
func (w *writer) find(ctx context.Context) error {
	if w.oid == 0 {
		err := w.conn.QueryRow(ctx, "SELECT coalesce(to_regclass($1)::oid, 0)", w.res.Table).Scan(&w.oid)
		if err != nil || w.oid == 0 {
			return err
		}
	}
	var table, column string
	err := w.conn.QueryRow(ctx, `
		SELECT c.oid::regclass::text, quote_ident(a.attname)
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		WHERE c.oid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity <> 'a'
		ORDER BY a.attnum LIMIT 1`, w.oid).Scan(&table, &column)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	w.sql = fmt.Sprintf("UPDATE %[1]s SET %[2]s = %[2]s WHERE ctid = (SELECT ctid FROM %[1]s LIMIT 1)", table, column)
	return nil
}

// fail records err unless the probe is stopping; a broken connection is
// opened again.
func (w *writer) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	w.res.Err = err.Error()
	if w.conn != nil && w.conn.IsClosed() {
		w.conn = nil
	}
}
