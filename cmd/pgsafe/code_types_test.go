package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/testenv"
)

// TestFixStructReadBeforeAndAfterPendingMigration fixes the * of a query
// whose rows pgx reads into a struct (RowToStructByName, which needs a
// field for every column) while a pending migration adds a column: the
// fix names the columns the struct has fields for as they are today. On
// a real PostgreSQL, the fixed query returns exactly those columns both
// before and after that migration, where * returns the new one too.
// With PGSAFE_HEAVY_TESTS=1 it also builds the Go module before and
// after the fix (against the pgx of pgsafe's own module cache, offline)
// and runs both against the database: the old code breaks once the
// migration runs, the fixed code reads the row before and after.
func TestFixStructReadBeforeAndAfterPendingMigration(t *testing.T) {
	dir := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(dir, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	const (
		create  = "CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL, secret text);\n"
		addLogo = "ALTER TABLE clients ADD COLUMN logo text;\n"
	)
	write("db/001_clients.sql", create)
	write("db/002_logo.sql", addLogo)
	// pgsafe's own requirements (pgx among them), so that the module's
	// graph is one that pgsafe's module cache holds.
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	require.NoError(t, err)
	_, requires, _ := strings.Cut(string(mod), "\n")
	write("go.mod", "module example.com/app\n"+requires)
	sum, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	require.NoError(t, err)
	write("go.sum", string(sum))
	write("store/store.go", `// Package store keeps the OAuth clients.
package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Client is an OAuth client.
type Client struct {
	ID     int64   `+"`db:\"id\"`"+`
	Name   string  `+"`db:\"name\"`"+`
	Secret *string `+"`db:\"secret\"`"+`
}

// Get reads one client.
func Get(ctx context.Context, conn *pgx.Conn, id int64) (Client, error) {
	rows, err := conn.Query(ctx, "SELECT * FROM clients WHERE id = $1", id)
	if err != nil {
		return Client{}, err
	}
	return pgx.CollectOneRow(rows, pgx.RowToStructByName[Client])
}
`)
	write("cmd/get/main.go", `// Command get reads client 1 from the database at $DATABASE_URL.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5"

	"example.com/app/store"
)

func main() {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close(ctx)
	c, err := store.Get(ctx, conn, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(c.ID, c.Name)
}
`)
	heavy := testenv.IsHeavy()
	build := func(out string) string {
		t.Helper()
		bin := filepath.Join(t.TempDir(), out)
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/get")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, "go build:\n%s", b)
		return bin
	}
	var before string
	if heavy {
		before = build("get-before")
	}

	code, stdout, stderr := runIn(t, dir, map[string]string{"PGSAFE_NO_TIMING": "1"}, "lint", "--code", "store", "db")
	assert.Equal(t, 1, code, "%s\n%s", stdout, stderr)
	assert.Contains(t, stdout, "db/002_logo.sql:1:1: error[PS056] breaks-application-query: adds column clients.logo, "+
		"which breaks pgx.RowToStructByName in store/store.go:23: column logo has no field in the struct")
	code, stdout, stderr = runIn(t, dir, map[string]string{"PGSAFE_NO_TIMING": "1"},
		"fix", "--write", "--select", "PS052", "--code", "store", "db")
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	b, err := os.ReadFile(filepath.Join(dir, "store", "store.go"))
	require.NoError(t, err)
	m := regexp.MustCompile(`conn\.Query\(ctx, "([^"]*)"`).FindStringSubmatch(string(b))
	require.NotNil(t, m, "%s", b)
	fixed := m[1]
	assert.Equal(t, "SELECT id, name, secret FROM clients WHERE id = $1", fixed, "today's columns, not logo")

	// The fixed query on a real database, before and after the pending
	// migration: the struct's columns each time.
	url := pgtest.NewDatabase(t)
	conn, _ := pgtest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	columns := func(sql string) []string {
		t.Helper()
		rows, err := conn.Query(ctx, sql, 1)
		require.NoError(t, err)
		defer rows.Close()
		var names []string
		for _, f := range rows.FieldDescriptions() {
			names = append(names, f.Name)
		}
		for rows.Next() {
		}
		require.NoError(t, rows.Err(), sql)
		return names
	}
	_, err = conn.Exec(ctx, create+"INSERT INTO clients VALUES (1, 'web', NULL);")
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "name", "secret"}, columns(fixed), "before the migration")
	run := func(bin string) (string, error) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	var after string
	if heavy {
		after = build("get-after")
		for _, bin := range []string{before, after} {
			out, err := run(bin)
			require.NoError(t, err, out)
			assert.Equal(t, "1 web", out, "before the migration")
		}
	}
	_, err = conn.Exec(ctx, addLogo)
	require.NoError(t, err)
	assert.Equal(t, []string{"id", "name", "secret"}, columns(fixed), "after the migration")
	assert.Equal(t, []string{"id", "name", "secret", "logo"}, columns("SELECT * FROM clients WHERE id = $1"), "what * returns")
	if heavy {
		out, err := run(before)
		require.Error(t, err, "the code before the fix breaks once the migration runs")
		assert.Contains(t, out, "logo")
		out, err = run(after)
		require.NoError(t, err, out)
		assert.Equal(t, "1 web", out, "the fixed code reads the row after the migration")
	} else {
		t.Log("go build and runs of the Go code skipped: set " + testenv.EnvHeavy + "=1")
	}
}
