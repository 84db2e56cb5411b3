package probe_test

import (
	"context"
	"os"
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

// TestProbe holds SHARE on one table for a while: writes to it wait,
// writes to another table do not, and a table created during the probe is
// probed once it has rows, through a rename.
func TestProbe(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	target := pgtest.NewTarget(t)
	conn, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, "CREATE TABLE locked (id int, v text); INSERT INTO locked VALUES (1, 'a'); CREATE TABLE free (id int); INSERT INTO free VALUES (1)")
	require.NoError(t, err)

	p := probe.Start(ctx, target, []string{"public.free", "public.later", "public.locked"})
	time.Sleep(50 * time.Millisecond)
	_, err = conn.Exec(ctx, "CREATE TABLE later (id int); INSERT INTO later VALUES (1)")
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	_, err = conn.Exec(ctx, "ALTER TABLE later RENAME TO renamed")
	require.NoError(t, err)
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "LOCK TABLE locked IN SHARE MODE")
	require.NoError(t, err)
	time.Sleep(400 * time.Millisecond)
	require.NoError(t, tx.Commit(ctx))
	time.Sleep(50 * time.Millisecond)
	res := p.Stop()

	require.Len(t, res, 3)
	free, later, locked := res[0], res[1], res[2]
	assert.Equal(t, "public.locked", locked.Table)
	assert.GreaterOrEqual(t, locked.Longest, 300*time.Millisecond, "writes to locked waited for the SHARE lock")
	assert.Positive(t, locked.Writes)
	assert.Less(t, free.Longest, 300*time.Millisecond)
	assert.Positive(t, free.Writes)
	assert.Equal(t, "public.later", later.Table)
	assert.Positive(t, later.Writes, "the table created during the probe is written to, also once renamed")
}
