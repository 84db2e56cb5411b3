package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// runCLI runs pgsafe with args from the repository root and returns its
// exit code, stdout and stderr.
func runCLI(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	root := moduleRoot(t)
	t.Chdir(root)
	var stdout, stderr bytes.Buffer
	code := runEnv(context.Background(), append([]string{"pgsafe"}, args...), env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv: func(k string) string { return vars[k] }, workdir: root,
		isTerminal: func(io.Writer) bool { return false },
	})
	return code, stdout.String(), stderr.String()
}

// moduleRoot returns the folder of go.mod above the working directory,
// which runCLI may have made the repository's root already.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for !isFile(filepath.Join(dir, "go.mod")) {
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the working directory")
		dir = parent
	}
	return dir
}

// TestTraceNamedDatabase traces the example on a database the user
// names: a loud warning, everything rolled back.
func TestTraceNamedDatabase(t *testing.T) {
	url := pgtest.NewDatabase(t)
	code, stdout, stderr := runCLI(t, nil, "trace", "--database-url", url, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "WARNING: the migrations run for real on the database")
	assert.Contains(t, stdout, "rolled back at the end: the database is unchanged")
	assert.Contains(t, stdout, "not run: CREATE INDEX CONCURRENTLY cannot run inside a transaction block")
	assert.Regexp(t, `customers +SHARE ROW EXCLUSIVE +ok`, stdout)

	code, stdout, stderr = runCLI(t, nil, "trace", "--database-url", url, "--format", "json", "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		RolledBack bool `json:"rolled_back"`
		Files      []struct{ Path string }
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.True(t, doc.RolledBack)
	assert.Len(t, doc.Files, 5)
}

// TestTraceFailingMigration exits 1 and reports what ran before, in the
// text and on the --html page.
func TestTraceFailingMigration(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1_a.up.sql"), []byte("CREATE TABLE a (id int);\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "2_b.up.sql"), []byte("ALTER TABLE missing ADD COLUMN x int;\n"), 0o644))
	page := filepath.Join(dir, "timeline.html")
	code, stdout, stderr := runCLI(t, nil, "trace", "--html", page, "--database-url", pgtest.NewDatabase(t), dir)
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, stdout, "CREATE TABLE a (id int)")
	assert.Contains(t, stderr, `2_b.up.sql:1: ERROR: relation "missing" does not exist`)
	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), `data-statement="1"`)
	assert.NotContains(t, string(html), `data-statement="2"`, "the failing statement is not in the trace")
	assert.Contains(t, string(html), "<code>CREATE TABLE a (id int)</code>")
}

// TestTraceInterrupted sends Ctrl-C (SIGINT) to a trace that runs on an
// ephemeral cluster, once the server runs its statement, and checks that
// the cluster is stopped and removed.
func TestTraceInterrupted(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		pgtest.Missing(t, err.Error())
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1_sleep.up.sql"), []byte("SELECT pg_sleep(86400);\n"), 0o644))
	cmd := exec.Command(os.Args[0], "trace", dir)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	require.True(t, lines.Scan(), "no message on stderr")
	m := regexp.MustCompile(`PostgreSQL in (\S+), reachable`).FindStringSubmatch(lines.Text())
	require.NotNil(t, m, lines.Text())
	clusterDir := m[1]
	require.DirExists(t, clusterDir)
	waitForQuery(t, clusterDir, "SELECT pg_sleep(86400)")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Contains(t, rest.String(), "interrupted")
	assert.NoDirExists(t, clusterDir, "the cluster's folder is removed")
	out, _ := exec.Command("pgrep", "-f", clusterDir).Output()
	assert.Empty(t, strings.TrimSpace(string(out)), "no server of the cluster runs")
}

// waitForQuery waits until a backend of the ephemeral cluster whose
// socket is in dir runs sql.
func waitForQuery(t *testing.T, dir, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	locks, err := filepath.Glob(filepath.Join(dir, ".s.PGSQL.*.lock"))
	require.NoError(t, err)
	require.Len(t, locks, 1, "the lock file of the cluster's socket")
	port := strings.TrimPrefix(filepath.Ext(strings.TrimSuffix(locks[0], ".lock")), ".")
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host='%s' port=%s user=postgres dbname=postgres", dir, port))
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var running bool
		require.NoError(t, conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE state = 'active' AND query = $1)", sql).Scan(&running))
		if running {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("waiting for %q to run: %v", sql, ctx.Err())
		}
	}
}

// TestTraceSyntaxError stops before running anything.
func TestTraceSyntaxError(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "1_a.up.sql"), []byte("CREATE TABLE a (id int);\nCREATE TABLE {{ .Name }} (id int);\n"), 0o644))
	code, stdout, stderr := runCLI(t, nil, "trace", "--database-url", "postgres://nobody@127.0.0.1:1/none", dir)
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, `1_a.up.sql:2: syntax error at or near "{": fix it first`)
}

// TestTraceSeedRows traces the goose example on an ephemeral cluster with
// generated rows and a writer on the tables the migrations lock: the JSON
// report and the --html page carry the load, and the writes to orders,
// which the example's plain CREATE INDEX blocks, went through.
func TestTraceSeedRows(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		pgtest.Missing(t, err.Error())
	}
	page := filepath.Join(t.TempDir(), "timeline.html")
	code, stdout, stderr := runCLI(t, nil, "trace", "--seed-rows", "2000", "--format", "json", "--html", page, "fixtures/examples/goose")
	require.Equal(t, 0, code, stderr)
	var doc struct {
		Load *struct {
			Rows   int `json:"rows"`
			Seeded []struct {
				Table string `json:"table"`
				Rows  int64  `json:"rows"`
			} `json:"seeded"`
			Writes []struct {
				Table  string `json:"table"`
				Writes int    `json:"writes"`
			} `json:"writes"`
		} `json:"load"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	require.NotNil(t, doc.Load, "the report carries the load")
	assert.Equal(t, 2000, doc.Load.Rows)
	seeded := map[string]int64{}
	for _, s := range doc.Load.Seeded {
		seeded[s.Table] = s.Rows
	}
	assert.Equal(t, map[string]int64{"public.customers": 2000, "public.orders": 2000}, seeded)
	written := map[string]int{}
	for _, w := range doc.Load.Writes {
		written[w.Table] = w.Writes
	}
	assert.Contains(t, written, "public.orders", "orders is locked by the migrations and probed")
	assert.Contains(t, written, "public.customers")

	html, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(html), `data-stall-table="public.orders"`, "the page draws the writes to orders under the run")
	assert.Contains(t, string(html), "Writes during the run")
}

// TestTraceSeedRowsRefused checks the --seed-rows values and combinations
// that trace refuses, before anything runs.
func TestTraceSeedRowsRefused(t *testing.T) {
	code, _, stderr := runCLI(t, nil, "trace", "--seed-rows", "-1", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--seed-rows -1: want a number of rows")

	code, _, stderr = runCLI(t, nil, "trace", "--seed-rows", "10", "--database-url", "postgres://nobody@127.0.0.1:1/none", "fixtures/examples/goose")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "goes with the ephemeral cluster only")
}
