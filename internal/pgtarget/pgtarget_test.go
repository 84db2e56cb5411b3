package pgtarget_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtarget"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// TestThrowawayWinsOverEverySpelling: however the connection string names
// its database (the URL's path, a dbname query parameter, which libpq and
// pgx prefer to the path, a dbname setting, PGDATABASE), a throwaway
// target goes to the throwaway database, with the rest kept.
func TestThrowawayWinsOverEverySpelling(t *testing.T) {
	for _, tc := range []struct{ name, conn, env string }{
		{"url path", "postgres://alice:s3cret@db.example:6543/victim?sslmode=disable", ""},
		{"dbname query parameter", "postgres://alice:s3cret@db.example:6543/?dbname=victim&sslmode=disable", ""},
		{"dbname query parameter over the path", "postgres://alice:s3cret@db.example:6543/other?dbname=victim&sslmode=disable", ""},
		{"key=value", "host=db.example port=6543 user=alice password=s3cret dbname=victim sslmode=disable", ""},
		{"key=value, dbname twice", "host=db.example port=6543 user=alice password=s3cret dbname=other dbname=victim sslmode=disable", ""},
		{"PGDATABASE, url", "postgres://alice:s3cret@db.example:6543?sslmode=disable", "victim"},
		{"PGDATABASE, key=value", "host=db.example port=6543 user=alice password=s3cret sslmode=disable", "victim"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("PGDATABASE", tc.env)
			}
			target, err := pgtarget.Parse(tc.conn)
			require.NoError(t, err)
			assert.Equal(t, "victim", target.Database(), "the named database, as pgx reads it")
			tw := target.Throwaway("pgsafe_verify_1_original")
			assert.Equal(t, "pgsafe_verify_1_original", tw.Database())
			assert.Equal(t, "victim", target.Database(), "the original target is unchanged")
			c := tw.Config()
			assert.Equal(t, "db.example", c.Host)
			assert.EqualValues(t, 6543, c.Port)
			assert.Equal(t, "alice", c.User)
			assert.Equal(t, "s3cret", c.Password)
			assert.Nil(t, c.TLSConfig)
			// Written out and read back, it still goes there.
			for _, s := range []string{tw.ConnString(), tw.URL()} {
				again, err := pgtarget.Parse(s)
				require.NoError(t, err, s)
				assert.Equal(t, "pgsafe_verify_1_original", again.Database(), s)
				assert.Equal(t, "s3cret", again.Config().Password, s)
				assert.Equal(t, "db.example", again.Config().Host, s)
			}
			assert.Equal(t, "alice@db.example:6543/pgsafe_verify_1_original", tw.String())
			assert.NotContains(t, tw.String(), "s3cret")
		})
	}
}

// TestQuotedValues: values with spaces, quotes and backslashes survive
// ConnString, and a Unix socket folder survives URL.
func TestQuotedValues(t *testing.T) {
	target, err := pgtarget.Parse(`host=/tmp/a\ b port=5432 user='o\'k' password='p\'w d\\' dbname=x application_name='my app'`)
	require.NoError(t, err)
	tw := target.Throwaway(`odd 'name'`)
	for _, s := range []string{tw.ConnString(), tw.URL()} {
		again, err := pgtarget.Parse(s)
		require.NoError(t, err, s)
		c := again.Config()
		assert.Equal(t, "/tmp/a b", c.Host, s)
		assert.Equal(t, `p'w d\`, c.Password, s)
		assert.Equal(t, `odd 'name'`, c.Database, s)
		assert.Equal(t, "o'k", c.User, s)
		assert.Equal(t, "my app", c.RuntimeParams["application_name"], s)
	}
}

// TestCommandKeepsThePasswordOffTheCommandLine: a program run on a target
// gets the password in a password file that only the current user can
// read, never in its arguments, and no PG* variable that would send it
// elsewhere.
func TestCommandKeepsThePasswordOffTheCommandLine(t *testing.T) {
	t.Setenv("PGPASSWORD", "from-the-environment")
	t.Setenv("PGDATABASE", "elsewhere")
	// pgx reads the root certificate while it parses: make one.
	ca := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(ca, selfSigned(t), 0o600))
	target, err := pgtarget.Parse("postgres://alice:s3cr%3At@db.example:6543/victim?sslmode=verify-full&sslrootcert=" + ca + "&connect_timeout=7")
	require.NoError(t, err)
	cmd, cleanup, err := target.Throwaway("scratch").Command(context.Background(), "pg_dump", "--schema-only")
	require.NoError(t, err)
	argv := strings.Join(cmd.Args, " ")
	assert.NotContains(t, argv, "s3cr")
	assert.NotContains(t, argv, "from-the-environment")
	assert.Contains(t, argv, "dbname='scratch'")
	assert.Contains(t, argv, "host='db.example'")
	assert.Contains(t, argv, "sslmode='verify-full'")
	assert.Contains(t, argv, "sslrootcert=")
	assert.Contains(t, argv, "connect_timeout='7'")
	assert.Contains(t, argv, "--no-password")
	var passfile string
	for _, kv := range cmd.Env {
		k, v, _ := strings.Cut(kv, "=")
		assert.NotContains(t, []string{"PGPASSWORD", "PGDATABASE"}, k)
		if k == "PGPASSFILE" {
			passfile = v
		}
	}
	require.NotEmpty(t, passfile)
	info, err := os.Stat(passfile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	b, err := os.ReadFile(passfile)
	require.NoError(t, err)
	assert.Equal(t, `*:*:*:*:s3cr\:t`+"\n", string(b))
	cleanup()
	assert.NoFileExists(t, passfile)
}

// TestConnectChecksTheDatabase: a connection to a throwaway database that
// arrives elsewhere is refused before anything runs.
func TestConnectChecksTheDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	scratch := pgtest.NewTarget(t)
	conn, err := scratch.Connect(ctx)
	require.NoError(t, err)
	_ = conn.Close(ctx)
	pg, err := scratch.ConnectPg(ctx)
	require.NoError(t, err)
	_ = pg.Close(ctx)

	wrong := pgtarget.Misdirected(scratch, "postgres", scratch.Database())
	_, err = wrong.Connect(ctx)
	require.ErrorIs(t, err, pgtarget.ErrWrongDatabase)
	assert.ErrorContains(t, err, `refusing to run anything in "postgres"`)
	_, err = wrong.ConnectPg(ctx)
	require.ErrorIs(t, err, pgtarget.ErrWrongDatabase)
}

// TestCommandRunsWithAPassword runs psql on a server that asks for a
// password: the password reaches it through the password file alone.
func TestCommandRunsWithAPassword(t *testing.T) {
	target := pgtest.PasswordTarget(t)
	psql, err := pgcluster.FindProgram("psql", 0)
	if err != nil {
		pgtest.Missing(t, err.Error())
	}
	cmd, cleanup, err := target.Command(context.Background(), psql, "-Atc", "select current_user")
	require.NoError(t, err)
	defer cleanup()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Equal(t, target.Config().User, strings.TrimSpace(string(out)))
	assert.NotContains(t, strings.Join(cmd.Args, " "), target.Config().Password)
}

// selfSigned returns a self-signed certificate, PEM-encoded.
func selfSigned(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// TestWithApplicationName replaces the connection string's
// application_name on connections, keeps the rest, and leaves the
// original target alone.
func TestWithApplicationName(t *testing.T) {
	target, err := pgtarget.Parse("postgres://alice@db.example:6543/app?application_name=theirs&sslmode=disable")
	require.NoError(t, err)
	named := target.Throwaway("app").WithApplicationName("pgsafe-stats")
	assert.Equal(t, "pgsafe-stats", named.Config().RuntimeParams["application_name"])
	assert.Equal(t, "alice@db.example:6543/app", named.String())
	assert.Equal(t, "theirs", target.Config().RuntimeParams["application_name"])
}
