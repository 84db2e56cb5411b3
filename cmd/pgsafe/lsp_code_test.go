package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

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

// openGo opens the Go file at path with text, as an editor opens a Go
// buffer.
func (c *lspClient) openGo(path, text string) string {
	uri := fileURI(path)
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "go", "version": 1, "text": text}})
	return uri
}

// actionsAt asks for the code actions on the range r of uri.
func (c *lspClient) actionsAt(uri string, r lspRange, ds []lspDiagnostic, only ...string) []lspAction {
	ctx := map[string]any{"diagnostics": ds}
	if len(only) > 0 {
		ctx["only"] = only
	}
	var out []lspAction
	c.call("textDocument/codeAction", map[string]any{"textDocument": map[string]any{"uri": uri}, "range": r, "context": ctx}, &out)
	return out
}

// editOf returns the text that action's edit makes of the document uri,
// whose text is text; it fails the test when the edit does not change
// it, or changes another document.
func editOf(t *testing.T, action *lspAction, uri, text string) string {
	t.Helper()
	require.NotNil(t, action)
	var out string
	n := 0
	for _, dc := range action.Edit.DocumentChanges {
		require.NotNil(t, dc.TextDocument, "%+v", action.Edit.DocumentChanges)
		require.Equal(t, uri, dc.TextDocument.URI)
		out = applyEdits(t, text, dc.Edits)
		n++
	}
	require.Equal(t, 1, n, "one edit, of the Go file")
	return out
}

// goParses fails the test when src is not Go that go/parser accepts.
func goParses(t *testing.T, src string) {
	t.Helper()
	_, err := parser.ParseFile(token.NewFileSet(), "clients.go", src, parser.AllErrors)
	require.NoError(t, err, src)
}

// lintCode runs pgsafe lint --format json on dir with the Go code under
// dir/internal (absolute paths, as the server, which reads the set from
// its root, writes them in messages) and returns its findings in the file name, as the
// server shows them: code, range (0-based, in bytes: ASCII text),
// severity and message with its help line.
func lintCode(t *testing.T, dir, name string) []string {
	t.Helper()
	var stdout bytes.Buffer
	// The config's code glob, from dir: the test's process runs elsewhere.
	code := filepath.Join(dir, "internal/**/*.go")
	runEnv(context.Background(), []string{"pgsafe", "lint", "--format", "json", "--code", code, dir}, env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: io.Discard,
		getenv: func(string) string { return "" }, workdir: dir, isTerminal: func(io.Writer) bool { return false },
	})
	var report struct {
		Diagnostics []struct {
			File                             string
			Line, Column, EndLine, EndColumn int
			Code, Severity, Message, Help    string
		} `json:"diagnostics"`
	}
	require.NoError(t, json.Unmarshal(bytes.ReplaceAll(stdout.Bytes(), []byte(`"end_`), []byte(`"End`)), &report), stdout.String())
	severity := map[string]int{"error": 1, "warning": 2, "hint": 4}
	var out []string
	for _, d := range report.Diagnostics {
		if d.File != filepath.Join(dir, name) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %d:%d-%d:%d %d %s\nhelp: %s", d.Code, d.Line-1, d.Column-1, d.EndLine-1, d.EndColumn-1, severity[d.Severity], d.Message, d.Help))
	}
	return out
}

// shown returns ds as lintCode returns findings.
func shown(ds []lspDiagnostic) []string {
	var out []string
	for _, d := range ds {
		r := d.Range
		out = append(out, fmt.Sprintf("%s %d:%d-%d:%d %d %s", d.Code, r.Start.Line, r.Start.Character, r.End.Line, r.End.Character, d.Severity, d.Message))
	}
	return out
}

// TestLSPGoDiagnostics checks that an open Go file that the config's
// code globs read gets the findings of pgsafe lint on the SQL it sends,
// with the same codes, ranges, severities and messages, and related
// information back to the migration that breaks its Scan; and that a
// change of a migration buffer checks the Go code again: without the
// ADD COLUMN, the SELECT * is a hint, not an error.
func TestLSPGoDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	want := lintCode(t, dir, "internal/store/clients.go")
	require.Len(t, want, 1)

	c := startLSP(t, dir)
	c.initialize(dir, nil)
	goPath := filepath.Join(dir, "internal/store/clients.go")
	goText := lspCodeSet["internal/store/clients.go"]
	uri := c.openGo(goPath, goText)
	p := c.diagnostics(uri)
	require.NotNil(t, p.Version)
	assert.Equal(t, 1, *p.Version)
	assert.Equal(t, want, shown(p.Diagnostics))
	require.Len(t, p.Diagnostics, 1)
	d := p.Diagnostics[0]
	assert.Equal(t, "PS052", d.Code)
	star := positionOf(t, goText, "* FROM clients")
	assert.Equal(t, lspRange{Start: star, End: lspPosition{Line: star.Line, Character: star.Character + 1}}, d.Range, "on the * in the string literal")
	assert.Equal(t, 1, d.Severity, "an error: the pending migration breaks the Scan")
	require.NotNil(t, d.CodeDescription)
	assert.Contains(t, d.CodeDescription.Href, "PS052")
	require.NotEmpty(t, d.RelatedInformation)
	migPath := filepath.Join(dir, "db/migrations/002_logo.up.sql")
	assert.Equal(t, fileURI(migPath), d.RelatedInformation[0].Location.URI, "the migration that breaks the Scan")
	assert.Equal(t, 1, d.RelatedInformation[0].Location.Range.Start.Line, "its ALTER TABLE")

	// The migration's buffer drops the new column: the Go code is checked
	// again with it.
	migURI := c.open(migPath, lspCodeSet["db/migrations/002_logo.up.sql"])
	assert.Contains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056")
	assert.Equal(t, want, shown(c.diagnostics(uri).Diagnostics), "the same check publishes the Go file's")
	c.change(migURI, 2, "SELECT 1;\n")
	assert.Empty(t, c.diagnostics(migURI).Diagnostics)
	p = c.diagnostics(uri)
	require.Len(t, p.Diagnostics, 1)
	assert.Equal(t, "PS052", p.Diagnostics[0].Code)
	assert.Equal(t, 4, p.Diagnostics[0].Severity, "a hint: no pending migration breaks the Scan")
	assert.Empty(t, p.Diagnostics[0].RelatedInformation)

	// Closing the Go file clears its diagnostics.
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	assert.Empty(t, c.diagnostics(uri).Diagnostics)
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoUnsavedBuffer checks that the text of an open Go buffer takes
// the place of the file on disk, for the Go file's own findings and for
// the migration's breaks-application-query, before it is saved.
func TestLSPGoUnsavedBuffer(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	migURI := c.open(filepath.Join(dir, "db/migrations/002_logo.up.sql"), lspCodeSet["db/migrations/002_logo.up.sql"])
	assert.Contains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056", "the file on disk reads the table with *")

	goText := lspCodeSet["internal/store/clients.go"]
	named := strings.Replace(goText, "SELECT *", "SELECT id, name, secret", 1)
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), named)
	assert.Empty(t, c.diagnostics(uri).Diagnostics, "the buffer names its columns")
	assert.NotContains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056", "the migration breaks no query of the buffer")

	// Back to * in the buffer, with a line more above the query: the
	// finding follows the buffer's text.
	edited := strings.Replace(goText, "\tvar gotID int64\n", "\tvar gotID int64\n\t// the whole row\n", 1)
	c.change(uri, 2, edited)
	p := c.diagnostics(uri)
	require.NotNil(t, p.Version)
	assert.Equal(t, 2, *p.Version)
	require.Len(t, p.Diagnostics, 1)
	assert.Equal(t, "PS052", p.Diagnostics[0].Code)
	assert.Equal(t, positionOf(t, edited, "* FROM clients"), p.Diagnostics[0].Range.Start)
	assert.Contains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056")
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoQuickFix checks the quick fix of a SELECT * in Go code: the
// explicit column list that fix --code writes into the string literal,
// as an edit of the Go document; applied, the Go source parses and the
// findings go, in the Go file and in the migration.
func TestLSPGoQuickFix(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	migURI := c.open(filepath.Join(dir, "db/migrations/002_logo.up.sql"), lspCodeSet["db/migrations/002_logo.up.sql"])
	c.diagnostics(migURI)
	goText := lspCodeSet["internal/store/clients.go"]
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), goText)
	p := c.diagnostics(uri)
	require.Len(t, p.Diagnostics, 1)
	assert.Contains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056", "the same check publishes the migration's")
	actions := c.actionsAt(uri, p.Diagnostics[0].Range, p.Diagnostics)
	fix := findAction(actions, "PS052: Name the columns instead of *")
	require.NotNil(t, fix, "%+v", actions)
	assert.Equal(t, "quickfix", fix.Kind)
	assert.True(t, fix.IsPreferred)
	require.NotNil(t, fix.Edit.DocumentChanges[0].TextDocument.Version, "the edit names the buffer's version")
	assert.Equal(t, 1, *fix.Edit.DocumentChanges[0].TextDocument.Version)
	fixed := editOf(t, fix, uri, goText)
	goParses(t, fixed)
	assert.Contains(t, fixed, `db.QueryRowContext(ctx, "SELECT id, name, secret FROM clients WHERE id = $1", id)`)

	// The client applies the edit to the buffer.
	c.change(uri, 2, fixed)
	p = c.diagnostics(uri)
	assert.Equal(t, 2, *p.Version)
	assert.Empty(t, p.Diagnostics)
	assert.NotContains(t, codes(c.diagnostics(migURI).Diagnostics), "PS056")

	// The fix-all source action makes the same edit.
	c.change(uri, 3, goText)
	p = c.diagnostics(uri)
	require.Len(t, p.Diagnostics, 1)
	all := c.actionsAt(uri, p.Diagnostics[0].Range, p.Diagnostics, "source.fixAll")
	require.Len(t, all, 1, "%+v", all)
	assert.Equal(t, "source.fixAll.pgsafe", all[0].Kind)
	assert.Equal(t, fixed, editOf(t, &all[0], uri, goText))
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoIgnore checks "ignore this rule here" in Go code: a
// `// pgsafe:ignore CODE reason` line above the query's line, indented
// as it is, which suppresses the finding; until its placeholder reason
// is replaced, the suppression is reported.
func TestLSPGoIgnore(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	goText := lspCodeSet["internal/store/clients.go"]
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), goText)
	p := c.diagnostics(uri)
	require.Len(t, p.Diagnostics, 1)
	ignore := findAction(c.actionsAt(uri, p.Diagnostics[0].Range, p.Diagnostics), "PS052: ignore select-star-in-query here")
	text := editOf(t, ignore, uri, goText)
	goParses(t, text)
	assert.Contains(t, text, "\tvar name, secret string\n\t// pgsafe:ignore PS052 <say why this is safe here>\n\terr := db.QueryRowContext(")
	c.change(uri, 2, text)
	assert.Equal(t, []string{"PS900"}, codes(c.diagnostics(uri).Diagnostics), "PS052 is suppressed; the placeholder reason is reported")
	c.change(uri, 3, strings.Replace(text, "<say why this is safe here>", "the service is deployed with the migration", 1))
	assert.Empty(t, c.diagnostics(uri).Diagnostics)
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoIgnoreAboveRawString checks that the ignore comment goes
// above the line where a multi-line raw string that holds the query
// starts, not inside the string.
func TestLSPGoIgnoreAboveRawString(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		".pgsafe.toml":                     lspCodeSet[".pgsafe.toml"],
		"db/migrations/001_clients.up.sql": lspCodeSet["db/migrations/001_clients.up.sql"],
		"internal/store/clients.go": "package store\n\nimport \"database/sql\"\n\n// Names lists the clients.\nfunc Names(db *sql.DB) (*sql.Rows, error) {\n" +
			"\treturn db.Query(`\n\t\tSELECT *\n\t\tFROM clients`)\n}\n",
	}
	writeLSPFiles(t, dir, files)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	goText := files["internal/store/clients.go"]
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), goText)
	p := c.diagnostics(uri)
	require.Equal(t, []string{"PS052"}, codes(p.Diagnostics))
	assert.Equal(t, positionOf(t, goText, "*\n"), p.Diagnostics[0].Range.Start)
	text := editOf(t, findAction(c.actionsAt(uri, p.Diagnostics[0].Range, p.Diagnostics), "PS052: ignore"), uri, goText)
	goParses(t, text)
	assert.Contains(t, text, "\t// pgsafe:ignore PS052 <say why this is safe here>\n\treturn db.Query(`\n")
	c.change(uri, 2, text)
	assert.Equal(t, []string{"PS900"}, codes(c.diagnostics(uri).Diagnostics))
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoPositionEncodings checks the ranges of a finding in Go code
// after non-ASCII text on its line, in UTF-16 code units (LSP's
// default) and in bytes when the client offers utf-8.
func TestLSPGoPositionEncodings(t *testing.T) {
	goText := strings.Replace(lspCodeSet["internal/store/clients.go"], "\terr := db.", "\terr := /* clés 😀 */ db.", 1)
	prefix := "\terr := /* clés 😀 */ db.QueryRowContext(ctx, \"SELECT "
	for _, tc := range []struct {
		encoding string
		star     int
	}{
		{"utf-16", len(utf16.Encode([]rune(prefix)))},
		{"utf-8", len(prefix)},
	} {
		t.Run(tc.encoding, func(t *testing.T) {
			dir := t.TempDir()
			files := maps.Clone(lspCodeSet)
			files["internal/store/clients.go"] = goText
			writeLSPFiles(t, dir, files)
			c := startLSP(t, dir)
			c.initialize(dir, map[string]any{"capabilities": map[string]any{"general": map[string]any{"positionEncodings": []string{tc.encoding}}}})
			p := c.diagnostics(c.openGo(filepath.Join(dir, "internal/store/clients.go"), goText))
			require.Len(t, p.Diagnostics, 1)
			assert.Equal(t, lspRange{Start: lspPosition{Line: 12, Character: tc.star}, End: lspPosition{Line: 12, Character: tc.star + 1}}, p.Diagnostics[0].Range)
			assert.Equal(t, 0, c.shutdown())
		})
	}
}

// auditGo is a second package of lspCodeSet's service that reads the
// clients table with *.
const auditGo = `// Package audit lists the clients.
package audit

import "database/sql"

// Clients returns the clients' rows.
func Clients(db *sql.DB) (int, error) {
	rows, err := db.Query("SELECT * FROM clients")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int64
		var name, secret string
		if err := rows.Scan(&id, &name, &secret); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}
`

// TestLSPGoPackages checks that a change of one package's Go buffer
// leaves the findings of another package as they were (the server finds
// the SQL of the changed package again, and keeps the other's), and that
// a new Go file that a code glob covers joins the set when it is saved.
func TestLSPGoPackages(t *testing.T) {
	dir := t.TempDir()
	files := maps.Clone(lspCodeSet)
	files["internal/audit/audit.go"] = auditGo
	writeLSPFiles(t, dir, files)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	storeText := lspCodeSet["internal/store/clients.go"]
	store := c.openGo(filepath.Join(dir, "internal/store/clients.go"), storeText)
	assert.Equal(t, []string{"PS052"}, codes(c.diagnostics(store).Diagnostics))
	audit := c.openGo(filepath.Join(dir, "internal/audit/audit.go"), auditGo)
	assert.Equal(t, []string{"PS052"}, codes(c.diagnostics(store).Diagnostics), "the same check publishes both")
	p := c.diagnostics(audit)
	require.Equal(t, []string{"PS052"}, codes(p.Diagnostics))
	assert.Equal(t, 1, p.Diagnostics[0].Severity)

	c.change(store, 2, strings.Replace(storeText, "SELECT *", "SELECT id, name, secret", 1))
	assert.Empty(t, c.diagnostics(store).Diagnostics)
	p = c.diagnostics(audit)
	require.Equal(t, []string{"PS052"}, codes(p.Diagnostics), "the other package's query is still found")
	assert.Equal(t, positionOf(t, auditGo, "* FROM"), p.Diagnostics[0].Range.Start)

	// A new file, written by the editor on save.
	newPath := filepath.Join(dir, "internal/store/logo.go")
	newText := "package store\n\nimport \"database/sql\"\n\n// Logos reads the clients' logos.\nfunc Logos(db *sql.DB) (*sql.Rows, error) {\n\treturn db.Query(\"INSERT INTO clients VALUES ($1, $2, $3)\")\n}\n"
	newURI := c.openGo(newPath, newText)
	require.NoError(t, os.WriteFile(newPath, []byte(newText), 0o644))
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": newURI}})
	// Opened, the file is read by no set: only the save, which makes the
	// set read its Go files again, publishes its findings.
	p = c.diagnostics(newURI)
	assert.Equal(t, []string{"PS053"}, codes(p.Diagnostics), "the positional INSERT of the saved file")
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoReadByTwoSets checks a Go file that two migration sets read
// (a monorepo's billing database has its own config, whose code glob
// reads the same service): its document shows the findings of both,
// each with its set's schema.
func TestLSPGoReadByTwoSets(t *testing.T) {
	dir := t.TempDir()
	files := maps.Clone(lspCodeSet)
	files["billing/.pgsafe.toml"] = "framework = \"golang-migrate\"\ncode = [\"../internal/**/*.go\"]\n"
	files["billing/migrations/001_clients.up.sql"] = lspCodeSet["db/migrations/001_clients.up.sql"]
	writeLSPFiles(t, dir, files)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), lspCodeSet["internal/store/clients.go"])
	p := c.diagnostics(uri)
	require.Equal(t, []string{"PS052"}, codes(p.Diagnostics), "the set of the root's config")
	assert.Equal(t, 1, p.Diagnostics[0].Severity, "its pending migration breaks the Scan")

	// Opening a billing migration loads the billing set, which reads the
	// Go file too: no migration of its own breaks the Scan.
	billing := filepath.Join(dir, "billing/migrations/001_clients.up.sql")
	c.diagnostics(c.open(billing, files["billing/migrations/001_clients.up.sql"]))
	p = c.diagnostics(uri)
	require.Equal(t, []string{"PS052", "PS052"}, codes(p.Diagnostics), "the findings of both sets")
	assert.Equal(t, 1, p.Diagnostics[0].Severity, "the root's set first")
	assert.Equal(t, 4, p.Diagnostics[1].Severity, "then the billing set's: a hint")
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPGoConfigLosesCode checks that when the config no longer has
// code globs, the Go document's findings go once the server reloads it.
func TestLSPGoConfigLosesCode(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspCodeSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.openGo(filepath.Join(dir, "internal/store/clients.go"), lspCodeSet["internal/store/clients.go"])
	require.Equal(t, []string{"PS052"}, codes(c.diagnostics(uri).Diagnostics))
	cfg := filepath.Join(dir, ".pgsafe.toml")
	require.NoError(t, os.WriteFile(cfg, []byte("framework = \"golang-migrate\"\n"), 0o644))
	c.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": fileURI(cfg), "type": 2}}})
	assert.Empty(t, c.diagnostics(uri).Diagnostics, "no set reads the Go file")
	assert.Equal(t, 0, c.shutdown())
}
