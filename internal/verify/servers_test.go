package verify_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/verify"
)

// TestNamedDatabaseIsLeftAlone names the server with a connection string
// whose database is `victim`, spelled in the ways libpq reads it (a
// dbname query parameter, which wins over the URL's path; a dbname
// setting; PGDATABASE): the migrations run in the two throwaway
// databases, and victim gets nothing.
func TestNamedDatabaseIsLeftAlone(t *testing.T) {
	victim := pgtest.NewTarget(t)
	c := victim.Config()
	hostPort := net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	query := url.Values{"sslmode": {"disable"}}
	if strings.HasPrefix(c.Host, "/") {
		hostPort = ""
		query.Set("host", c.Host)
		query.Set("port", strconv.Itoa(int(c.Port)))
	}
	userinfo := url.UserPassword(c.User, c.Password).String()
	withDB := url.Values{"dbname": {victim.Database()}}
	for k, v := range query {
		withDB[k] = v
	}
	keyValues := fmt.Sprintf("host='%s' port=%d user='%s' password='%s' sslmode=disable", c.Host, c.Port, c.User, c.Password)
	for _, tc := range []struct{ name, conn, env string }{
		// The other spellings are read as pgx reads them (package
		// pgtarget's tests): these two show the whole run goes elsewhere.
		{"dbname query parameter over the path", "postgres://" + userinfo + "@" + hostPort + "/postgres?" + withDB.Encode(), ""},
		{"PGDATABASE", keyValues, victim.Database()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PGDATABASE", tc.env)
			}
			named, err := pgtarget.Parse(tc.conn)
			require.NoError(t, err)
			require.Equal(t, victim.Database(), named.Database(), "the connection string names victim")
			original := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
			rewrite := set(t, map[string]string{"1_accounts.up.sql": create, "2_email.up.sql": "CREATE INDEX CONCURRENTLY accounts_email_idx ON accounts (email);\n"}, "2_email.up.sql")
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			rep, err := verify.Run(ctx, original, rewrite, verify.Options{AdminURL: tc.conn})
			require.NoError(t, err)
			assert.True(t, rep.OK(), "%v", rep.Failures())
			require.Len(t, rep.Original, 1, "the original ran, somewhere")

			conn, err := victim.Connect(ctx)
			require.NoError(t, err)
			defer func() { _ = conn.Close(ctx) }()
			var relations int
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE relname LIKE 'accounts%'").Scan(&relations))
			assert.Zero(t, relations, "nothing ran in the database the connection string names")
			var left int
			require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgsafe_verify_%'").Scan(&left))
			assert.Zero(t, left, "the throwaway databases are dropped")
		})
	}
}

// roleSets are an original and its rewrite, with their down migrations,
// in the same folder, as FromFix gives them: they create a role and grant
// it a table, then index the table, CONCURRENTLY in the rewrite.
func roleSets(t *testing.T) (original, rewrite verify.Set) {
	dir := t.TempDir()
	files := map[string]string{
		"1_t.up.sql":     "CREATE TABLE t (id int PRIMARY KEY, email text);\nCREATE ROLE app_reader;\nGRANT SELECT ON t TO app_reader;\n",
		"1_t.down.sql":   "DROP TABLE t;\nDROP ROLE app_reader;\n",
		"2_idx.up.sql":   "CREATE INDEX t_email_idx ON t (email);\n",
		"2_idx.down.sql": "DROP INDEX t_email_idx;\n",
	}
	opts := lint.Options{KeepTrees: true}
	original = readSetIn(t, dir, opts, files, "2_idx.up.sql")
	files["2_idx.up.sql"] = "CREATE INDEX CONCURRENTLY t_email_idx ON t (email);\n"
	return original, readSetIn(t, dir, opts, files, "2_idx.up.sql")
}

// TestRolesOnAClusterForEachRun: the original and the rewrite both create
// the role app_reader; each on its own ephemeral cluster, neither finds
// the other's, and the rollback drops each.
func TestRolesOnAClusterForEachRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	clusters, err := verify.StartClusters(ctx, 2, nil)
	if errors.Is(err, pgcluster.ErrNoBinaries) {
		pgtest.Missing(t, err.Error())
	}
	require.NoError(t, err)
	defer func() { require.NoError(t, clusters.Stop()) }()
	original, rewrite := roleSets(t)
	rep, err := verify.Run(ctx, original, rewrite, verify.Options{Servers: clusters.Server, PgDump: clusters.PgDump(), Rollback: true})
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	assert.Empty(t, rep.RewriteErr)
	require.NotNil(t, rep.Rollback)
	assert.Empty(t, rep.Rollback.Diff)
	assert.Empty(t, rep.Rollback.Err)
	assert.Equal(t, 2, rep.Rollback.Steps)
	assert.Equal(t, 2, rep.Rollback.Versions, "both downs ran, the role's drop included")
	assert.Empty(t, rep.ServerObjects)
}

// TestRolesOnANamedServer: on a server the runs share, migrations that
// create a role are refused before anything runs, and nothing is left.
func TestRolesOnANamedServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	original, rewrite := roleSets(t)
	_, err := verify.Run(ctx, original, rewrite, verify.Options{AdminURL: pgtest.URL(t), Rollback: true})
	var refused *verify.ClusterWideError
	require.ErrorAs(t, err, &refused)
	assert.Contains(t, err.Error(), "1_t.up.sql:2: CREATE ROLE creates a role")
	assert.Contains(t, err.Error(), "1_t.down.sql:2: DROP ROLE drops a role")
	assert.Contains(t, err.Error(), "without --database-url")
	conn, _ := pgtest.Connect(t, pgtest.URL(t))
	var roles, dbs int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = 'app_reader'").Scan(&roles))
	assert.Zero(t, roles)
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname LIKE $1", fmt.Sprintf("pgsafe_verify_%d_%%", os.Getpid())).Scan(&dbs))
	assert.Zero(t, dbs)
}

// TestRoleInADoBlockOnANamedServer: a role created where no statement
// shows it (a DO block) is found after the runs, dropped, and reported.
func TestRoleInADoBlockOnANamedServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	role := fmt.Sprintf("app_dyn_%d", os.Getpid())
	files := map[string]string{
		"1_t.up.sql": "CREATE TABLE t (id int PRIMARY KEY, email text);\n" +
			"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE " + role + "; END IF; END $$;\n",
		"2_idx.up.sql": "CREATE INDEX t_email_idx ON t (email);\n",
	}
	original := set(t, files, "2_idx.up.sql")
	files["2_idx.up.sql"] = "CREATE INDEX CONCURRENTLY t_email_idx ON t (email);\n"
	rewrite := set(t, files, "2_idx.up.sql")
	rep, err := verify.Run(ctx, original, rewrite, verify.Options{AdminURL: pgtest.URL(t)})
	require.NoError(t, err)
	assert.True(t, rep.OK(), "%v", rep.Failures())
	assert.Equal(t, []string{"role " + role + " appeared on the server during the runs: dropped"}, rep.ServerObjects)
	conn, _ := pgtest.Connect(t, pgtest.URL(t))
	var roles int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", role).Scan(&roles))
	assert.Zero(t, roles, "the role is dropped")
}
