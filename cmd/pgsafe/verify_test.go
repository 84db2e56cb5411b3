package main

import (
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// TestFixVerify proves the example's rewrite on PostgreSQL, with the
// lock timeline of both runs.
func TestFixVerify(t *testing.T) {
	url := pgtest.URL(t)
	page := filepath.Join(t.TempDir(), "timeline.html")
	code, stdout, stderr := runCLI(t, nil, "fix", "--verify", "--seed-rows", "2000", "--html", page, "--database-url", url, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr+stdout)
	assert.Contains(t, stderr, "pgsafe: lock timeline written to "+page)
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), `<section class="run" id="run1" data-run="original">`)
	assert.Contains(t, string(html), `<section class="run" id="run2" data-run="rewrite">`)
	assert.Contains(t, string(html), `data-stall-table="public.orders"`, "the probe's writes under each run")
	assert.Contains(t, stdout, "--- a/fixtures/examples/goose/00002_order_status.sql", "the diff comes first")
	assert.Contains(t, stdout, "schemas: the same (pg_dump --schema-only)")
	assert.Contains(t, stdout, "original: 3 statement(s) block writes while they scan or rewrite a table")
	assert.Contains(t, stdout, "verify: ok")

	code, stdout, stderr = runCLI(t, nil, "fix", "--verify", "--format", "json", "--database-url", url, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Fix    struct{ Files []any }
		Verify struct {
			OK      bool `json:"ok"`
			Rewrite []struct {
				Mode   string `json:"mode"`
				Blocks bool   `json:"blocks_writes"`
			} `json:"rewrite"`
		}
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.True(t, doc.Verify.OK)
	assert.NotEmpty(t, doc.Fix.Files)
	assert.NotEmpty(t, doc.Verify.Rewrite)
}

func TestFixVerifyUsage(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "fix", "--seed-rows", "10", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed-rows goes with --verify")
	code, _, stderr = runCLI(t, nil, "fix", "--verify", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--verify runs migration files")
	code, _, stderr = runCLI(t, nil, "fix", "--verify", "--seed-rows", "-1", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed-rows -1")
	code, _, stderr = runCLI(t, nil, "fix", "--html", "timeline.html", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--html goes with --verify")
	code, _, stderr = runCLI(t, nil, "fix", "--verify", "--html", "no/such/folder/timeline.html", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--html no/such/folder/timeline.html: the folder no/such/folder does not exist")
	code, _, stderr = runCLI(t, nil, "trace", "--html", "fixtures", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--html fixtures: is a folder")
}

// TestStartingSchema traces and verifies a migration that changes a table
// it does not create, with the table from a --schema file, on ephemeral
// clusters; a named server cannot also take a schema file.
func TestStartingSchema(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		pgtest.Missing(t, err.Error())
	}
	dir := t.TempDir()
	schema := filepath.Join(dir, "schema.sql")
	require.NoError(t, os.WriteFile(schema, []byte("CREATE TABLE public.accounts (id bigint PRIMARY KEY, email text);\n"), 0o644))
	migrations := filepath.Join(dir, "migrations")
	require.NoError(t, os.Mkdir(migrations, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(migrations, "00001_email.sql"),
		[]byte("-- +goose Up\nCREATE INDEX accounts_email_idx ON accounts (email);\n"), 0o644))
	url := pgtest.URL(t)

	code, stdout, stderr := runCLI(t, nil, "fix", "--verify", "--seed-rows", "1000", "--schema", schema, migrations)
	require.Equal(t, 0, code, stderr+stdout)
	assert.Contains(t, stdout, "original: 1 statement(s) block writes while they scan or rewrite a table")
	assert.Contains(t, stdout, "verify: ok")

	// On a named server, trace cannot also load a schema file.
	code, _, stderr = runCLI(t, nil, "trace", "--schema", schema, "--database-url", url, migrations)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--schema and --database-url both name a starting schema")

	code, stdout, stderr = runCLI(t, nil, "trace", "--schema", schema, migrations)
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `accounts +SHARE +ok +scanned the table`, stdout)
}

// TestFixVerifyLeavesTheNamedDatabaseAlone names the server with a URL
// whose dbname query parameter (which libpq and pgx prefer to the URL's
// path) names a database: the migrations run in the throwaway databases
// the output speaks of, and that database gets nothing.
func TestFixVerifyLeavesTheNamedDatabaseAlone(t *testing.T) {
	victim := pgtest.NewTarget(t)
	c := victim.Config()
	query := url.Values{"dbname": {victim.Database()}, "sslmode": {"disable"}}
	host := net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	if strings.HasPrefix(c.Host, "/") {
		host = ""
		query.Set("host", c.Host)
		query.Set("port", strconv.Itoa(int(c.Port)))
	}
	named := "postgres://" + url.UserPassword(c.User, c.Password).String() + "@" + host + "/?" + query.Encode()
	code, stdout, stderr := runCLI(t, nil, "fix", "--verify", "--database-url", named, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr+stdout)
	assert.Contains(t, stderr, "two databases are created there and dropped afterwards")
	assert.Contains(t, stdout, "verify: ok")
	if c.Password != "" { // a server with trust authentication has none
		assert.NotContains(t, stdout+stderr, c.Password, "the password is never printed")
	}

	ctx := context.Background()
	conn, err := victim.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(ctx) }()
	var tables int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables))
	assert.Zero(t, tables, "nothing ran in the database the URL names")
}

// TestFixVerifyRefusesRolesOnANamedServer: on a server the user names,
// the original's and the rewrite's runs would share a role that the
// migrations create; verify refuses before it runs anything.
func TestFixVerifyRefusesRolesOnANamedServer(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir,
		"00001_t.sql", "-- +goose Up\nCREATE TABLE t (id int, email text);\nCREATE ROLE app_reader;\nGRANT SELECT ON t TO app_reader;\n",
		"00002_idx.sql", "-- +goose Up\nCREATE INDEX t_email_idx ON t (email);\n")
	code, _, stderr := runCLI(t, nil, "fix", "--verify", "--database-url", pgtest.URL(t), dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "00001_t.sql:3: CREATE ROLE creates a role")
	assert.Contains(t, stderr, "verify them without --database-url, on an ephemeral cluster for each run")
	conn, _ := pgtest.Connect(t, pgtest.URL(t))
	var roles int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_roles WHERE rolname = 'app_reader'").Scan(&roles))
	assert.Zero(t, roles)
}

// TestFixVerifyRename proves the rename's expand and contract with fix
// --verify: the expand in place of the rename and the contract migration
// it writes leave the original's schema, on seeded tables, and so does
// rolling the contract back.
func TestFixVerifyRename(t *testing.T) {
	url := pgtest.URL(t)
	code, stdout, stderr := runCLI(t, nil, "fix", "--unsafe-fixes", "--verify", "--seed-rows", "3000", "--select", "PS025,PS040",
		"--framework", "goose", "--database-url", url, "fixtures/rules/rename-column/goose")
	require.Equal(t, 0, code, stderr+stdout)
	assert.Contains(t, stdout, "+++ b/fixtures/rules/rename-column/goose/003_rename.sql", "the contract migration")
	assert.Contains(t, stdout, "+-- pgsafe:contract after 002_rename.sql")
	assert.Contains(t, stdout, "applied PS025 rename-column: 4")
	assert.Contains(t, stdout, "verify: ok")
}
