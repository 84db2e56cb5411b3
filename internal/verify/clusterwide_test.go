package verify

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// TestOtherClientsObjectsAreLeftAlone: on a server that others use too,
// the roles and databases that other clients create or drop while the
// runs go on are none of pgsafe's business: only a role that the
// migrations name is dropped (or said to have vanished).
func TestOtherClientsObjectsAreLeftAlone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, _ := pgtest.Connect(t, pgtest.URL(t))
	pid := os.Getpid()
	ours, theirs, theirsGone, ourGone := fmt.Sprintf("app_ours_%d", pid), fmt.Sprintf("app_theirs_%d", pid),
		fmt.Sprintf("app_theirs_gone_%d", pid), fmt.Sprintf("App_Ours_Gone_%d", pid)
	db := fmt.Sprintf("pgsafe_other_client_%d", pid)
	for _, r := range []string{theirsGone, ourGone} {
		_, err := conn.Exec(ctx, `CREATE ROLE "`+r+`"`)
		require.NoError(t, err)
	}
	t.Cleanup(func() {
		for _, r := range []string{ours, theirs, theirsGone, ourGone} {
			_, _ = conn.Exec(context.Background(), `DROP ROLE IF EXISTS "`+r+`"`)
		}
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db)
	})

	before, err := serverRoles(ctx, conn)
	require.NoError(t, err)
	// During the runs: the migrations create one role and drop another
	// (in DO blocks, say); another client creates a role and a database
	// and drops a role of its own.
	for _, sql := range []string{
		"CREATE ROLE " + ours, `DROP ROLE "` + ourGone + `"`,
		"CREATE ROLE " + theirs, "CREATE DATABASE " + db, `DROP ROLE "` + theirsGone + `"`,
	} {
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	set := Set{Files: []*migration.File{{Path: "1_roles.up.sql", Text: "DO $$ BEGIN CREATE ROLE " + ours + "; DROP ROLE \"" + ourGone + "\"; END $$;\n" +
		"-- " + theirs + "_not_this_one, nor x" + theirs + "\n"}}}

	got := dropNewRoles(ctx, conn, before, mentions(set))
	assert.Equal(t, []string{
		"role " + ours + " appeared on the server during the runs: dropped",
		`role "` + ourGone + `" vanished from the server during the runs: pgsafe cannot bring it back`,
	}, got)
	var roles, dbs int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)", []string{ours}).Scan(&roles))
	assert.Zero(t, roles, "the migrations' role is dropped")
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", theirs).Scan(&roles))
	assert.Equal(t, 1, roles, "another client's role stays")
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", db).Scan(&dbs))
	assert.Equal(t, 1, dbs, "another client's database stays")
}

// TestMentions: a role is named by whole words, in any case.
func TestMentions(t *testing.T) {
	named := mentions(Set{Files: []*migration.File{{Text: "GRANT app_reader TO \"Report\"; -- app_writer_2"}}})
	for name, want := range map[string]bool{"app_reader": true, "report": true, "Report": true, "app_writer": false, "app_writer_2": true, "reader": false, "app": false} {
		assert.Equal(t, want, named(name), name)
	}
}
