package verify_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/probe"
	"github.com/pgsafe/pgsafe/internal/testenv"
)

// onlineRows is the size of the table in TestOnlineCreateIndex.
const onlineRows = 1_000_000

// TestOnlineCreateIndex builds an index on a table of a million rows
// while a writer updates single rows of it, in a loop on the loopback
// interface, once as CREATE INDEX and once as the rewrite, CREATE INDEX
// CONCURRENTLY. It logs how long the writes waited and asserts only that
// the original held one write up longer than any write of the rewrite
// took: a stall of the rewrite's writer would have to outlast the whole
// index build to fail it.
func TestOnlineCreateIndex(t *testing.T) {
	testenv.Heavy(t, "fills a table of a million rows")
	original := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
	rewrite := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
	rep := run(t, original, rewrite, onlineRows)
	require.True(t, rep.OK(), "%v", rep.Failures())
	require.Len(t, rep.Writes, 1)
	w := rep.Writes[0]
	var build, concurrent string
	if len(rep.Original) == 1 {
		build = rep.Original[0].SQL
	}
	for _, st := range rep.Rewrite {
		concurrent = st.SQL
	}
	t.Logf("%d rows; a writer updating one row of accounts every %s", onlineRows, probe.Interval)
	t.Logf("original (%s): longest write %s, %d writes over %s, %d writes in all", build, w.Original, w.OriginalBlocked, probe.BlockedAfter, w.OriginalWrites)
	t.Logf("rewrite (%s): longest write %s, %d writes over %s, %d writes in all", concurrent, w.Rewrite, w.RewriteBlocked, probe.BlockedAfter, w.RewriteWrites)
	assert.Greater(t, w.Original, w.Rewrite, "the original blocks the writer for longer than any write of the rewrite takes")
}
