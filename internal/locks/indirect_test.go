package locks_test

import (
	"testing"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/locks"
)

func node(t *testing.T, sql string) *pg.Node {
	t.Helper()
	tree, err := pg.Parse(sql)
	require.NoError(t, err)
	return tree.GetStmts()[0].GetStmt()
}

// TestIndirectLocks pins the locks taken on relations a statement does not
// name: the table of a named index, each index of a named table, and each
// partition of a partitioned table.
func TestIndirectLocks(t *testing.T) {
	for _, c := range []struct {
		sql                   string
		indexTable, tableIdxs locks.Mode
		partitions            locks.Mode
	}{
		{"DROP INDEX i", locks.AccessExclusive, locks.None, locks.None},
		{"DROP INDEX CONCURRENTLY i", locks.ShareUpdateExclusive, locks.None, locks.None},
		{"REINDEX INDEX i", locks.Share, locks.None, locks.None},
		{"REINDEX INDEX CONCURRENTLY i", locks.ShareUpdateExclusive, locks.None, locks.None},
		{"REINDEX TABLE t", locks.None, locks.AccessExclusive, locks.None},
		{"REINDEX (CONCURRENTLY) TABLE t", locks.None, locks.ShareUpdateExclusive, locks.None},
		{"CREATE INDEX i ON t (a)", locks.None, locks.None, locks.Share},
		{"CREATE INDEX CONCURRENTLY i ON t (a)", locks.None, locks.None, locks.ShareUpdateExclusive},
		{"CREATE INDEX i ON ONLY t (a)", locks.None, locks.None, locks.None},
		{"DROP TABLE t", locks.None, locks.None, locks.None},
	} {
		n := node(t, c.sql)
		assert.Equal(t, c.indexTable, locks.OnIndexTable(n), "OnIndexTable: %s", c.sql)
		assert.Equal(t, c.tableIdxs, locks.OnTableIndexes(n), "OnTableIndexes: %s", c.sql)
		assert.Equal(t, c.partitions, locks.OnPartitions(n), "OnPartitions: %s", c.sql)
	}
}
