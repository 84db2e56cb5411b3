package workload_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/trace"
	"github.com/pgsafe/pgsafe/internal/workload"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// migrations parses texts as golang-migrate files, in order.
func migrations(t *testing.T, texts ...string) []*migration.File {
	t.Helper()
	var srcs []source.File
	for i, text := range texts {
		srcs = append(srcs, source.File{Path: string(rune('1'+i)) + "_m.up.sql", Text: text})
	}
	return lint.Run(srcs, lint.Options{KeepTrees: true, SkipDown: true}).Files
}

// TestTables lists the tables the up statements lock, each once, in the
// order they are first locked, without indexes: CREATE TABLE locks no
// table that existed, the index build locks orders, the foreign key
// orders and accounts.
func TestTables(t *testing.T) {
	files := migrations(t,
		"CREATE TABLE accounts (id bigint PRIMARY KEY);\nCREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);\n",
		"CREATE INDEX orders_account_idx ON orders (account_id);\nALTER TABLE orders ADD FOREIGN KEY (account_id) REFERENCES accounts;\n",
	)
	assert.Equal(t, []string{"public.orders", "public.accounts"}, workload.Tables(15, files))
	assert.Empty(t, workload.Tables(15, nil))
}

// TestTraceWithoutLoad is a plain trace: no rows, no writer, no Load.
func TestTraceWithoutLoad(t *testing.T) {
	target := pgtest.NewTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := workload.Trace(ctx, target, migrations(t, "CREATE TABLE a (id int);\n"), trace.Options{}, workload.Options{})
	require.NoError(t, err)
	assert.Nil(t, res.Load)
	assert.Len(t, res.Files, 1)
}

// TestTraceUnderLoad seeds the table the first file creates before the
// second runs, and probes it while the second builds an index under a
// SHARE lock: the table has the rows when the index is built, and the
// writes went through and are counted.
func TestTraceUnderLoad(t *testing.T) {
	target := pgtest.NewTarget(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	files := migrations(t,
		"CREATE TABLE orders (id bigint PRIMARY KEY, total integer NOT NULL);\n",
		"CREATE INDEX orders_total_idx ON orders (total);\n",
	)
	res, err := workload.Trace(ctx, target, files, trace.Options{}, workload.Options{Rows: 5000, Tables: workload.Tables(15, files)})
	require.NoError(t, err)
	require.NotNil(t, res.Load)
	assert.Equal(t, 5000, res.Load.Rows)
	require.Len(t, res.Load.Seeded.Filled, 1, "%+v", res.Load.Seeded)
	assert.Equal(t, "public.orders", res.Load.Seeded.Filled[0].Table)
	assert.EqualValues(t, 5000, res.Load.Seeded.Filled[0].Rows)
	require.Len(t, res.Load.Writes, 1)
	assert.Equal(t, "public.orders", res.Load.Writes[0].Table)
	assert.Empty(t, res.Load.Writes[0].Err)

	conn, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var rows int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM orders").Scan(&rows))
	assert.Equal(t, 5000, rows, "the seeded rows stay; the probe changes rows without adding any")
}
