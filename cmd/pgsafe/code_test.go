package main

import (
	"encoding/json"
	"os"
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
