package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/stats"
)

// statsDatabase creates a database with tables of known sizes, and a
// role with a password that may connect to it, and returns the URL that
// connects as that role: user and password in the URL, both of which the
// snapshot must not hold.
func statsDatabase(t *testing.T) (u *url.URL, user, password string) {
	t.Helper()
	target := pgtest.NewTarget(t)
	ctx := context.Background()
	conn, err := target.Connect(ctx)
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	user = fmt.Sprintf("snapuser_%d", os.Getpid())
	password = fmt.Sprintf("Pw%dx", time.Now().UnixNano())
	for _, sql := range []string{
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", user, password),
		"CREATE TABLE customers (id bigint PRIMARY KEY, email text) WITH (autovacuum_enabled = false)",
		"INSERT INTO customers SELECT g, 'c' || g || '@example.com' FROM generate_series(1, 2000) g",
		"CREATE TABLE orders (id bigint, customer_id bigint, placed date) PARTITION BY RANGE (placed)",
		"CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') WITH (autovacuum_enabled = false)",
		"CREATE INDEX orders_customer_id_idx ON orders (customer_id)",
		"INSERT INTO orders SELECT g, g % 2000 + 1, date '2026-01-01' + g % 300 FROM generate_series(1, 5000) g",
		"CREATE MATERIALIZED VIEW orders_per_day AS SELECT placed, count(*) AS n FROM orders GROUP BY placed",
		"ANALYZE customers, orders, orders_per_day",
	} {
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err, sql)
	}
	t.Cleanup(func() {
		c, err := pgtest.Target(t).Connect(context.Background())
		if err != nil {
			return
		}
		defer func() { _ = c.Close(context.Background()) }()
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+target.Database()+" WITH (FORCE)")
		_, _ = c.Exec(context.Background(), "DROP ROLE IF EXISTS "+user)
	})
	u, err = url.Parse(target.URL())
	require.NoError(t, err)
	u.User = url.UserPassword(user, password)
	return u, user, password
}

// validateSnapshot checks a snapshot's JSON against docs/stats.schema.json.
func validateSnapshot(t *testing.T, snapshot []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot(t), "docs", "stats.schema.json"))
	require.NoError(t, err)
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const id = "https://pgsafe.test/stats.schema.json"
	require.NoError(t, c.AddResource(id, doc))
	schema, err := c.Compile(id)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(snapshot))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(inst))
}

// varying matches the fields of a snapshot that change from run to run.
var varying = regexp.MustCompile(`("(?:taken_at|server_version|server_version_num|database|sample_seconds)": )("[^"]*"|[0-9.]+)`)

// TestStatsCommand takes a snapshot end to end: JSON on stdout that the
// schema in docs accepts and stats.Read reads, the same figures as the
// golden apart from the fields that vary, no credentials, and -o writing
// the file.
func TestStatsCommand(t *testing.T) {
	u, user, password := statsDatabase(t)
	code, stdout, stderr := runCLI(t, nil, "stats", "--database-url", u.String(), "--interval", "1s")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^pgsafe: read 4 tables of \S+; sampling their traffic for 1s…\n$`, stderr)
	assert.NotContains(t, stdout, user)
	assert.NotContains(t, stdout, password)
	validateSnapshot(t, []byte(stdout))
	snap, err := stats.Read(strings.NewReader(stdout), "stdout")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, snap.SampleSeconds, 1.0)
	assert.Equal(t, u.Path[1:], snap.Database)

	golden := filepath.Join(moduleRoot(t), "fixtures", "stats", "snapshot.golden.json")
	got := varying.ReplaceAllString(stdout, `$1"…"`)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)

	// -o writes the file, and replaces it on the next run.
	out := filepath.Join(t.TempDir(), "snapshot.json")
	require.NoError(t, os.WriteFile(out, []byte("old\n"), 0o644))
	code, stdout, stderr = runCLI(t, nil, "stats", "--database-url", u.String(), "--interval", "1s", "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "pgsafe: wrote the snapshot of 4 tables to "+out)
	written, err := os.ReadFile(out)
	require.NoError(t, err)
	validateSnapshot(t, written)
	assert.NotContains(t, string(written), password)
	_, err = stats.Load(out)
	require.NoError(t, err)

	// A read-only file is not replaced, and the run says why.
	require.NoError(t, os.Chmod(out, 0o444))
	code, _, stderr = runCLI(t, nil, "stats", "--database-url", u.String(), "--interval", "1s", "-o", out)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "pgsafe: writing the snapshot to "+out+": read-only")
	after, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, written, after)
}

// TestStatsUnreachable: a server that does not answer is an error
// naming where pgsafe tried, exit code 2 as for trace.
func TestStatsUnreachable(t *testing.T) {
	code, stdout, stderr := runCLI(t, nil, "stats", "--database-url", "postgres://nobody:hunter2@127.0.0.1:1/none?sslmode=disable", "--interval", "1s")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "pgsafe: failed to connect to `user=nobody database=none`")
	assert.Contains(t, stderr, "127.0.0.1:1")
	assert.NotContains(t, stderr, "hunter2")
}

// TestStatsInterrupted sends Ctrl-C (SIGINT) while stats waits between
// its samples: it stops at once, says so, exits 2 and writes nothing.
func TestStatsInterrupted(t *testing.T) {
	u, _, _ := statsDatabase(t)
	out := filepath.Join(t.TempDir(), "snapshot.json")
	cmd := exec.Command(os.Args[0], "stats", "--database-url", u.String(), "--interval", "24h", "-o", out)
	cmd.Env = append(os.Environ(), envRunMain+"=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := bufio.NewScanner(stderr)
	require.True(t, lines.Scan(), "no message on stderr")
	require.Contains(t, lines.Text(), "sampling their traffic for 24h0m0s")
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	var rest strings.Builder
	for lines.Scan() {
		rest.WriteString(lines.Text() + "\n")
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, exitUsage, exit.ExitCode())
	assert.Equal(t, "pgsafe: interrupted\n", rest.String())
	assert.NoFileExists(t, out)
}

// TestStatsSnapshotJSONMatchesTheGoldenFields keeps the golden honest:
// the fields it blanks are the ones that vary, and no others.
func TestStatsSnapshotJSONMatchesTheGoldenFields(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, (&stats.Snapshot{Tables: []stats.Table{{Name: "t"}}}).Write(&b))
	blanked := varying.ReplaceAllString(b.String(), `$1"…"`)
	assert.Equal(t, 5, strings.Count(blanked, `"…"`), blanked)
}
