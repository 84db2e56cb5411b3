package apply_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/tool"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// seen is what the hooks saw of one step.
type seen struct {
	sql     string
	alone   bool
	inTx    bool   // the connection was in a transaction block in After
	lockOnA string // the strongest lock the backend held on table a in After
}

// record runs f with opts on a fresh database holding table a, and
// returns what After saw of each step and the skipped statements.
func record(t *testing.T, f *migration.File, opts apply.Options) ([]seen, []string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	_, err = conn.Exec(ctx, "CREATE TABLE a (id int)")
	require.NoError(t, err)
	var steps []seen
	var skipped []string
	opts.Hooks.After = func(ctx context.Context, s apply.Step) error {
		got := seen{sql: s.SQL, alone: s.Alone, inTx: conn.PgConn().TxStatus() != 'I'}
		err := conn.QueryRow(ctx, `SELECT coalesce(max(mode), '') FROM pg_locks
			WHERE pid = pg_backend_pid() AND locktype = 'relation' AND relation = to_regclass('a')
			AND mode IN ('ShareLock', 'ShareUpdateExclusiveLock')`).Scan(&got.lockOnA)
		steps = append(steps, got)
		return err
	}
	opts.Hooks.Skipped = func(s apply.Step, reason string) { skipped = append(skipped, s.SQL+": "+reason) }
	if opts.InTransaction {
		_, err = conn.Exec(ctx, "BEGIN")
		require.NoError(t, err)
		defer func() { _, _ = conn.Exec(context.Background(), "ROLLBACK") }()
	}
	return steps, skipped, apply.File(ctx, conn, f, opts)
}

func read(path, text string) *migration.File {
	return migration.Read(path, text, migration.Options{})
}

func TestObserveMultiStatementQuery(t *testing.T) {
	f := read("1_index.up.sql", "CREATE INDEX a_idx ON a (id);\nCREATE TABLE b (id int);\n")
	require.Equal(t, tool.Query, f.Run)

	steps, _, err := record(t, f, apply.Options{})
	require.NoError(t, err)
	require.Len(t, steps, 1, "without Observe, the file is one query")
	assert.Equal(t, f.Text[:len(f.Text)-1], steps[0].sql)
	assert.False(t, steps[0].alone)

	steps, _, err = record(t, f, apply.Options{Observe: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{
		{sql: "CREATE INDEX a_idx ON a (id)", inTx: true, lockOnA: "ShareLock"},
		{sql: "CREATE TABLE b (id int)", inTx: true, lockOnA: "ShareLock"},
	}, steps, "the implicit transaction, made explicit, holds the index's lock to the end")
}

func TestObserveAutocommit(t *testing.T) {
	f := read("00002_index.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY a_idx ON a (id);\nCREATE INDEX a_idx2 ON a (id);\nLOCK TABLE a;\n")
	require.Equal(t, tool.Autocommit, f.Run)
	steps, _, err := record(t, f, apply.Options{Observe: true})
	require.ErrorContains(t, err, "LOCK TABLE can only be used in transaction blocks", "LOCK runs alone, as the framework runs it")
	assert.Equal(t, []seen{
		{sql: "CREATE INDEX CONCURRENTLY a_idx ON a (id)", alone: true},
		{sql: "CREATE INDEX a_idx2 ON a (id)", inTx: true, lockOnA: "ShareLock"},
	}, steps)
}

func TestWrappedFileFails(t *testing.T) {
	f := read("00003_x.sql", "-- +goose Up\nCREATE INDEX a_idx ON a (id);\nSELECT 1/0;\n")
	require.Equal(t, tool.Transaction, f.Run)
	steps, _, err := record(t, f, apply.Options{Observe: true})
	var ae *apply.Error
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 3, ae.Line)
	assert.Equal(t, []seen{{sql: "CREATE INDEX a_idx ON a (id)", inTx: true, lockOnA: "ShareLock"}}, steps)
}

func TestInCallersTransaction(t *testing.T) {
	f := read("00004_x.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nBEGIN;\nCREATE INDEX a_idx ON a (id);\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_idx2 ON a (id);\nSAVEPOINT s;\n")
	steps, skipped, err := record(t, f, apply.Options{InTransaction: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{
		{sql: "CREATE INDEX a_idx ON a (id)", inTx: true, lockOnA: "ShareLock"},
		{sql: "SAVEPOINT s", inTx: true, lockOnA: "ShareLock"},
	}, steps)
	assert.Equal(t, []string{
		"BEGIN: it would end the transaction that keeps the run from committing",
		"COMMIT: it would end the transaction that keeps the run from committing",
		"CREATE INDEX CONCURRENTLY a_idx2 ON a (id): CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and the run must not commit",
	}, skipped)
}

func TestObserveSingleStatementQuery(t *testing.T) {
	f := read("2_index.up.sql", "CREATE INDEX a_idx ON a (id);\n")
	steps, _, err := record(t, f, apply.Options{Observe: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{{sql: "CREATE INDEX a_idx ON a (id)", inTx: true, lockOnA: "ShareLock"}}, steps,
		"a query of one statement gets a transaction of its own, as in autocommit")

	f = read("3_index.up.sql", "CREATE INDEX CONCURRENTLY a_idx2 ON a (id);\n")
	steps, _, err = record(t, f, apply.Options{Observe: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{{sql: "CREATE INDEX CONCURRENTLY a_idx2 ON a (id)", alone: true}}, steps)
}

func TestOneByOne(t *testing.T) {
	f := read("00005_x.sql", "-- +goose Up\nBEGIN;\nCREATE INDEX CONCURRENTLY a_idx ON a (id);\nCOMMIT;\nCREATE INDEX a_idx2 ON a (id);\n")
	require.Equal(t, tool.Transaction, f.Run)
	_, _, err := record(t, f, apply.Options{Observe: true})
	require.ErrorContains(t, err, "cannot run inside a transaction block")
	steps, _, err := record(t, f, apply.Options{Observe: true, OneByOne: true})
	require.NoError(t, err)
	assert.Equal(t, []seen{
		{sql: "CREATE INDEX CONCURRENTLY a_idx ON a (id)", alone: true},
		{sql: "CREATE INDEX a_idx2 ON a (id)", inTx: true, lockOnA: "ShareLock"},
	}, steps)
}

// TestObserveCommittingBlock runs a DO block that commits alone: wrapped
// in a transaction block, its COMMIT would fail.
func TestObserveCommittingBlock(t *testing.T) {
	f := read("4_backfill.up.sql", "DO $$BEGIN INSERT INTO a VALUES (1); COMMIT; INSERT INTO a VALUES (2); END$$;\n")
	steps, _, err := record(t, f, apply.Options{Observe: true})
	require.NoError(t, err)
	require.Len(t, steps, 1)
	assert.True(t, steps[0].alone)
	_, skipped, err := record(t, f, apply.Options{InTransaction: true})
	require.NoError(t, err)
	require.Len(t, skipped, 1)
	assert.Contains(t, skipped[0], "it commits from inside")
}
