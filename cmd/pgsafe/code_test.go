package main

import (
	"encoding/json"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCodePositionsMatchTheGoSource checks that the line and column of
// each finding in Go code (lint --code, JSON report) point at the SQL it
// is about in the Go file as an editor shows it: columns count characters
// (a tab, a two-byte é, a three-byte → each one), escapes of interpreted
// strings keep their width, and a raw string's lines are the file's.
func TestCodePositionsMatchTheGoSource(t *testing.T) {
	dir := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(dir, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("db/001_clients.sql", "CREATE TABLE clients (id bigint, name text);\n")
	write("db/002_logo.sql", "ALTER TABLE clients ADD COLUMN logo text;\n")
	write("store/clients.go", "package store\n\n"+
		"import \"database/sql\"\n\n"+
		"func q(db *sql.DB) {\n"+
		"\t/* é → */ db.Query(\"SELECT\\t* FROM clients\")\n"+
		"\tdb.Exec(\"\\x20INSERT INTO clients VALUES ($1, $2)\")\n"+
		"\tdb.Query(`\n\t\tSELECT\n\t\t\tc.*\n\t\tFROM clients c`)\n"+
		"}\n")
	code, out, stderr := runIn(t, dir, map[string]string{"PGSAFE_NO_TIMING": "1"},
		"lint", "--format", "json", "--select", "PS052,PS053", "--code", "store", "db")
	require.Equal(t, 1, code, stderr)

	var doc struct {
		Diagnostics []struct {
			File         string
			Line, Column int
			Code         string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	src, err := os.ReadFile(filepath.Join(dir, "store", "clients.go"))
	require.NoError(t, err)
	lines := strings.Split(string(src), "\n")
	// What each finding points at, in order.
	want := []struct{ code, at string }{{"PS052", "* FROM"}, {"PS053", "INSERT INTO"}, {"PS052", "c.*"}}
	require.Len(t, doc.Diagnostics, len(want))
	for i, d := range doc.Diagnostics {
		require.Equal(t, "store/clients.go", d.File)
		line := []rune(lines[d.Line-1])
		require.LessOrEqual(t, d.Column, len(line), "%s at %d:%d", d.Code, d.Line, d.Column)
		at := string(line[d.Column-1:])
		assert.Equal(t, want[i].code, d.Code)
		assert.True(t, strings.HasPrefix(at, want[i].at), "%s at %d:%d points at %q", d.Code, d.Line, d.Column, at)
	}
}

// TestFixCodeCompiles writes a small Go module whose queries read rows
// with SELECT * (database/sql: QueryRow and Query with Scan, an
// interpreted string with a quoted identifier, a raw string, a query
// built from two literals), runs pgsafe fix --write --code over it, and
// checks that the fixed module is gofmt-clean and that go build and go
// vet accept it, with no network (the module needs the standard library
// only).
func TestFixCodeCompiles(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	write := func(path, text string) {
		p := filepath.Join(dir, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
	}
	write("go.mod", "module example.com/app\n\ngo 1.21\n")
	write("db/001_clients.sql", "CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL, \"Redirect URI\" text, logo text);\n")
	const src = `// Package store keeps the OAuth clients.
package store

import (
	"context"
	"database/sql"
)

// Client is an OAuth client.
type Client struct {
	ID       int64
	Name     string
	Redirect sql.NullString
	Logo     sql.NullString
}

// Get reads one client.
func Get(ctx context.Context, db *sql.DB, id int64) (Client, error) {
	var c Client
	err := db.QueryRowContext(ctx, "SELECT * FROM clients WHERE id = $1", id).Scan(&c.ID, &c.Name, &c.Redirect, &c.Logo)
	return c, err
}

// List reads every client, by name.
func List(ctx context.Context, db *sql.DB) ([]Client, error) {
	rows, err := db.QueryContext(ctx, ` + "`" + `
		SELECT c.*
		FROM clients c
		ORDER BY c.name` + "`" + `)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		var c Client
		if err := rows.Scan(&c.ID, &c.Name, &c.Redirect, &c.Logo); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Count counts the clients with a name.
func Count(ctx context.Context, db *sql.DB, name string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT * "+
		"FROM clients WHERE name = $1) AS named", name).Scan(&n)
	return n, err
}
`
	write("store/store.go", src)

	code, stdout, stderr := runIn(t, dir, map[string]string{"PGSAFE_NO_TIMING": "1"},
		"fix", "--write", "--show-skipped", "--select", "PS052", "--code", "store", "db")
	require.Equal(t, 0, code, "%s\n%s", stdout, stderr)
	b, err := os.ReadFile(filepath.Join(dir, "store", "store.go"))
	require.NoError(t, err)
	fixed := string(b)
	assert.Contains(t, fixed, `"SELECT id, name, \"Redirect URI\", logo FROM clients WHERE id = $1"`)
	assert.Contains(t, fixed, "\n\t\tSELECT c.id, c.name, c.\"Redirect URI\", c.logo\n")
	assert.Contains(t, fixed, `"SELECT count(*) FROM (SELECT * "+`, "a query built from two literals is left")
	assert.Contains(t, stdout, "store/store.go:48 select-star-in-query (Name the columns instead of *): needs a human: the SQL is built from several parts")
	formatted, err := format.Source(b)
	require.NoError(t, err)
	assert.Equal(t, fixed, string(formatted), "gofmt-clean")

	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		assert.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), out)
	}
}
