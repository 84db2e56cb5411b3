package verify_test

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		{"dbname query parameter", "postgres://" + userinfo + "@" + hostPort + "/?" + withDB.Encode(), ""},
		{"dbname query parameter over the path", "postgres://" + userinfo + "@" + hostPort + "/postgres?" + withDB.Encode(), ""},
		{"dbname setting", keyValues + " dbname='" + victim.Database() + "'", ""},
		{"PGDATABASE", "postgres://" + userinfo + "@" + hostPort + "?" + query.Encode(), victim.Database()},
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
