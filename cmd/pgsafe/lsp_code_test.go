package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lspCodeSet is a golang-migrate folder whose config checks the SQL in
// its Go code (the config's code globs): the second migration adds a
// column to a table that the Go code reads with SELECT * into a Scan of
// three destinations.
var lspCodeSet = map[string]string{
	".pgsafe.toml":                     "framework = \"golang-migrate\"\ncode = [\"internal/**/*.go\"]\n",
	"db/migrations/001_clients.up.sql": "CREATE TABLE clients (id bigint PRIMARY KEY, name text NOT NULL, secret text NOT NULL);\n",
	"db/migrations/002_logo.up.sql":    "SET lock_timeout = '2s';\nALTER TABLE clients ADD COLUMN logo_uri text;\n",
	"internal/store/clients.go": `// Package store keeps the OAuth clients.
package store

import (
	"context"
	"database/sql"
)

// Name reads a client's name.
func Name(ctx context.Context, db *sql.DB, id int64) (string, error) {
	var gotID int64
	var name, secret string
	err := db.QueryRowContext(ctx, "SELECT * FROM clients WHERE id = $1", id).Scan(&gotID, &name, &secret)
	return name, err
}
`,
}

// positionOf returns the 0-based line and character of the first
// occurrence of what in the ASCII text.
func positionOf(t *testing.T, text, what string) lspPosition {
	at := strings.Index(text, what)
	require.GreaterOrEqual(t, at, 0, what)
	line := strings.Count(text[:at], "\n")
	return lspPosition{Line: line, Character: at - (strings.LastIndex(text[:at], "\n") + 1)}
}

// TestLSPCodeBreakRelated checks that the server checks the SQL in the
// Go files of the config's code globs, as pgsafe lint does with the
// config's code key, from the set's root whatever the server's working
// folder: the migration that breaks the Go query's Scan gets
// breaks-application-query, with the Go query as related information
// (the Go file's URI, the SQL's range in it). When the Go file changes
// on disk to name its columns, the server reads it again and the finding
// goes.
func TestLSPCodeBreakRelated(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_logo.up.sql"), lspCodeSet["db/migrations/002_logo.up.sql"])
	p := c.diagnostics(uri)
	var brk *lspDiagnostic
	for i, d := range p.Diagnostics {
		if d.Code == "PS056" {
			brk = &p.Diagnostics[i]
		}
	}
	require.NotNil(t, brk, "breaks-application-query on the ADD COLUMN: %v", codes(p.Diagnostics))
	assert.Equal(t, 1, brk.Range.Start.Line, "on the ALTER TABLE")
	assert.Equal(t, 1, brk.Severity, "an error: the Scan breaks")
	goPath := filepath.Join(dir, "internal/store/clients.go")
	assert.Contains(t, brk.Message, "which breaks QueryRowContext(...).Scan in "+goPath+":13: 4 columns after this migration, 3 destinations")
	require.NotEmpty(t, brk.RelatedInformation)
	rel := brk.RelatedInformation[0]
	assert.Equal(t, fileURI(goPath), rel.Location.URI, "the Go file")
	goText := lspCodeSet["internal/store/clients.go"]
	const sql = "SELECT * FROM clients WHERE id = $1"
	start := positionOf(t, goText, sql)
	assert.Equal(t, lspRange{Start: start, End: lspPosition{Line: start.Line, Character: start.Character + len(sql)}}, rel.Location.Range, "the SQL in the string literal")
	assert.True(t, strings.HasPrefix(rel.Message, "the query whose read this migration breaks: QueryRowContext(...).Scan in "), rel.Message)

	// The Go code names its columns now; the client reports the change.
	named := strings.Replace(goText, "SELECT *", "SELECT id, name, secret", 1)
	require.NoError(t, os.WriteFile(goPath, []byte(named), 0o644))
	c.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": fileURI(goPath), "type": 2}}})
	p = c.diagnostics(uri)
	assert.NotContains(t, codes(p.Diagnostics), "PS056", "the Go code no longer reads the table with *")
	assert.Equal(t, 0, c.shutdown())
}
