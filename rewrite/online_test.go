package rewrite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/testenv"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// onlineRows is the size of the table in the online tests.
const onlineRows = 1_000_000

// TestOnlineTypeChange changes the type of a column of a table of a
// million rows (NOT NULL, with a default, a CHECK and an index, which the
// rewrite builds again concurrently) while a writer updates random rows
// and inserts new ones,
// each write in a transaction of its own, back to back: once with the
// original ALTER COLUMN ... TYPE, once with what `pgsafe fix
// --unsafe-fixes` makes of it (every rule enabled, goose running the
// files). It measures the longest single write of each run, and holds the
// rewrite's to under half the original's. Afterwards
// every row must hold what the writer last wrote to it, in the new type:
// the trigger and the backfill lose no write.
func TestOnlineTypeChange(t *testing.T) {
	testenv.Heavy(t, "fills a table of a million rows, twice")
	schema := "-- +goose Up\nCREATE TABLE accounts (id bigint PRIMARY KEY, balance integer NOT NULL DEFAULT 0 CHECK (balance >= 0), email text);\n" +
		"CREATE INDEX accounts_balance_idx ON accounts (balance);\n"
	change := "-- +goose Up\nALTER TABLE accounts ALTER COLUMN balance TYPE bigint;\n"
	dir := t.TempDir()
	srcs := []source.File{
		{Path: filepath.Join(dir, "001_accounts.sql"), Text: schema},
		{Path: filepath.Join(dir, "002_balance.sql"), Text: change},
	}
	gooseTool, err := tool.Lookup("goose")
	require.NoError(t, err)
	opts := lint.Options{Rules: rules.All(), Known: rules.All(), Tools: []tool.Setting{{Tool: gooseTool, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}} // the default batch size
	res, err := rewrite.Fix(srcs, opts, rewrite.Options{Unsafe: true})
	require.NoError(t, err)
	var fixed string
	for _, f := range res.Files {
		if filepath.Base(f.Path) == "002_balance.sql" {
			fixed = f.Fixed
		}
	}
	require.Contains(t, fixed, "balance_pgsafe_new", "the fix rewrites the type change")
	require.Contains(t, fixed, fmt.Sprintf("LIMIT %d", rules.DefaultBatchSize), "the backfill takes the default batch size")
	t.Logf("the rewrite:\n%s", fixed)

	original := onlineRun(t, dir, schema, change)
	rewritten := onlineRun(t, dir, schema, fixed)
	t.Logf("%d rows; a writer updating a random row and inserting one, each in a transaction of its own, back to back", onlineRows)
	t.Logf("original: longest write %s over %d writes; the migration took %s", original.longest, original.writes, original.took)
	t.Logf("rewrite:  longest write %s over %d writes; the migration took %s", rewritten.longest, rewritten.writes, rewritten.took)
	// Both runs share the machine's load, so the check compares them
	// rather than hold either to a fixed duration: the original blocks
	// writes for the whole rewrite of the table, the rewrite for one short
	// swap (on a quiet machine the gap is two orders of magnitude).
	assert.Less(t, rewritten.longest, original.longest/2, "the rewrite's longest write against the original's")
}

// onlineResult is what one run of TestOnlineTypeChange measured.
type onlineResult struct {
	longest time.Duration // the longest single write
	writes  int           // the writes that completed during the migration
	took    time.Duration // how long the migration ran
}

// onlineRun creates the table of schema on a new database, fills it, and
// runs the migration change (goose) while a writer writes to the table;
// it checks the rows afterwards.
func onlineRun(t *testing.T, dir, schema, change string) onlineResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t)
	files := onlineFiles(t, dir, schema, change)
	r := &runner{url: url, setup: &setup{}}
	require.NoError(t, r.file(ctx, files[0]))
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, fmt.Sprintf("INSERT INTO accounts SELECT g, g %% 1000, 'user' || g FROM generate_series(1, %d) g", onlineRows))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, "VACUUM ANALYZE accounts")
	require.NoError(t, err)

	w := &onlineWriter{url: url, updated: map[int64]int64{}, inserted: map[int64]int64{}, began: time.Now()}
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.run(ctx, &stop)
	}()
	// What the migration was running when: a slow write names it.
	var steps []onlineStep
	r.sent = func(where, sql string, start, end time.Time) {
		steps = append(steps, onlineStep{what: where + ": " + firstLine(sql), start: start, end: end})
	}
	start := time.Now()
	migErr := r.file(ctx, files[1])
	took := time.Since(start)
	stop.Store(true) // the writer finishes the write under way, then stops
	wg.Wait()
	require.NoError(t, migErr)
	require.NoError(t, w.err, "the writer failed")
	require.Positive(t, w.writes, "the writer wrote nothing during the migration")
	for _, s := range w.slow {
		var during []string
		for _, st := range steps {
			if st.start.Before(s.end) && st.end.After(s.start) {
				during = append(during, fmt.Sprintf("%s (%s, from %s)", st.what, st.end.Sub(st.start).Round(time.Millisecond), st.start.Sub(w.began).Round(time.Millisecond)))
			}
		}
		t.Logf("slow write: %s; the migration was running: %s", s.what, strings.Join(during, "; "))
	}

	var typ string
	require.NoError(t, conn.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
		WHERE attrelid = 'accounts'::regclass AND attname = 'balance'`).Scan(&typ))
	assert.Equal(t, "bigint", typ)
	rows, err := conn.Query(ctx, "SELECT id, balance FROM accounts")
	require.NoError(t, err)
	n, wrong := 0, 0
	for rows.Next() {
		var id, balance int64
		require.NoError(t, rows.Scan(&id, &balance))
		n++
		want, ok := w.inserted[id]
		if !ok {
			want = id%1000 + w.updated[id]
		}
		if balance != want && wrong < 5 {
			t.Errorf("row %d holds balance %d, want %d", id, balance, want)
		}
		if balance != want {
			wrong++
		}
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, onlineRows+len(w.inserted), n, "rows after the migration")
	assert.Zero(t, wrong, "rows whose balance is not what the writer left")
	return onlineResult{longest: w.longest, writes: w.writes, took: took}
}

// onlineFiles writes the two migrations into a folder of their own and
// reads them back as goose runs them.
func onlineFiles(t *testing.T, dir, schema, change string) []*migration.File {
	t.Helper()
	return gooseFiles(t, dir, "001_accounts.sql", schema, "002_balance.sql", change)
}

// gooseFiles writes migrations (base names and texts) into a folder of
// their own and reads them back, in order, as goose runs them.
func gooseFiles(t *testing.T, dir string, namesAndTexts ...string) []*migration.File {
	t.Helper()
	sub, err := os.MkdirTemp(dir, "run")
	require.NoError(t, err)
	var srcs []source.File
	for i := 0; i < len(namesAndTexts); i += 2 {
		srcs = append(srcs, source.File{Path: filepath.Join(sub, namesAndTexts[i]), Text: namesAndTexts[i+1]})
	}
	for _, s := range srcs {
		require.NoError(t, os.WriteFile(s.Path, []byte(s.Text), 0o644))
	}
	gooseTool, err := tool.Lookup("goose")
	require.NoError(t, err)
	res := lint.Run(srcs, lint.Options{KeepTrees: true, SkipDown: true, Tools: []tool.Setting{{Tool: gooseTool, Source: tool.FromFlag}}})
	require.Len(t, res.Files, len(srcs))
	for _, f := range res.Files {
		require.Nil(t, f.SyntaxError, "%s does not parse", f.Path)
	}
	return res.Files
}

// onlineWriter updates a random row of accounts and inserts a new one, in
// turns, each in a transaction of its own, until stop is set, and
// remembers what it wrote and how long the longest write took.
type onlineWriter struct {
	url      string
	updated  map[int64]int64 // how much each update added to the row's balance
	inserted map[int64]int64 // the balance of each row inserted
	longest  time.Duration
	writes   int
	err      error
	// slow lists the writes that took over 100 ms.
	slow []onlineStep
	// began is when the writer started, which writes and steps are timed from.
	began time.Time
}

// onlineStep is a write or a query of the migration, and when it ran.
type onlineStep struct {
	what       string
	start, end time.Time
}

// firstLine returns the first line of sql that is not a comment.
func firstLine(sql string) string {
	for _, l := range strings.Split(sql, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			return l
		}
	}
	return ""
}

func (w *onlineWriter) run(ctx context.Context, stop *atomic.Bool) {
	conn, err := pgx.Connect(ctx, w.url)
	if err != nil {
		w.err = err
		return
	}
	defer func() { _ = conn.Close(context.Background()) }()
	next := int64(onlineRows)
	for i := 0; !stop.Load(); i++ {
		start := time.Now()
		var err error
		var id int64
		if i%2 == 0 {
			id = rand.Int64N(onlineRows) + 1
			_, err = conn.Exec(ctx, "UPDATE accounts SET balance = balance + 1 WHERE id = $1", id)
		} else {
			next++
			id = next
			_, err = conn.Exec(ctx, "INSERT INTO accounts (id, balance, email) VALUES ($1, $2, 'new')", id, id%7)
		}
		took := time.Since(start)
		if err != nil {
			w.err = err
			return
		}
		if i%2 == 0 {
			w.updated[id]++
		} else {
			w.inserted[id] = id % 7
		}
		w.writes++
		w.longest = max(w.longest, took)
		if took > 100*time.Millisecond {
			what := "update"
			if i%2 == 1 {
				what = "insert"
			}
			w.slow = append(w.slow, onlineStep{
				what:  fmt.Sprintf("%s of row %d took %s, %s after the start", what, id, took.Round(time.Millisecond), start.Sub(w.began).Round(time.Millisecond)),
				start: start, end: start.Add(took),
			})
		}
	}
}
