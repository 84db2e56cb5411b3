package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lspSet is a golang-migrate folder whose second file builds an index
// without CONCURRENTLY and adds a validated CHECK.
var lspSet = map[string]string{
	".pgsafe.toml":                   "framework = \"golang-migrate\"\n",
	"db/migrations/001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text);\n",
	"db/migrations/002_idx.up.sql":   "CREATE INDEX users_email ON users (email);\n",
}

func TestLSPInitialize(t *testing.T) {
	dir := t.TempDir()
	c := startLSP(t, dir)
	res := c.initialize(dir, map[string]any{})
	caps, ok := res["capabilities"].(map[string]any)
	require.True(t, ok, "%v", res)
	assert.Equal(t, "utf-16", caps["positionEncoding"], "a client that offers no encoding gets UTF-16")
	sync, _ := caps["textDocumentSync"].(map[string]any)
	assert.Equal(t, true, sync["openClose"])
	assert.EqualValues(t, 2, sync["change"], "incremental changes")
	info, _ := res["serverInfo"].(map[string]any)
	assert.Equal(t, "pgsafe", info["name"])
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPInitializeUTF8(t *testing.T) {
	dir := t.TempDir()
	c := startLSP(t, dir)
	res := c.initialize(dir, map[string]any{"capabilities": map[string]any{"general": map[string]any{"positionEncodings": []string{"utf-16", "utf-8"}}}})
	caps := res["capabilities"].(map[string]any)
	assert.Equal(t, "utf-8", caps["positionEncoding"])
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPExitWithoutShutdown(t *testing.T) {
	dir := t.TempDir()
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	c.notify("exit", nil)
	<-c.done
	assert.Equal(t, 1, c.code, "exit before shutdown exits 1, as the protocol says")
}

func TestLSPRequestBeforeInitialize(t *testing.T) {
	dir := t.TempDir()
	c := startLSP(t, dir)
	m := c.answer(c.start("textDocument/hover", map[string]any{}))
	require.NotNil(t, m.Error)
	assert.Equal(t, -32002, m.Error.Code)
}

func TestLSPDidOpen(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	path := filepath.Join(dir, "db/migrations/002_idx.up.sql")
	uri := c.open(path, lspSet["db/migrations/002_idx.up.sql"])
	p := c.diagnostics(uri)
	require.NotNil(t, p.Version)
	assert.Equal(t, 1, *p.Version)
	assert.Equal(t, []string{"PS001", "PS040"}, codes(p.Diagnostics), "the findings of pgsafe lint on the folder")
	d := p.Diagnostics[0]
	assert.Equal(t, 1, d.Severity, "error")
	assert.Equal(t, "pgsafe", d.Source)
	assert.Equal(t, lspRange{Start: lspPosition{0, 0}, End: lspPosition{0, 41}}, d.Range)
	require.NotNil(t, d.CodeDescription)
	assert.True(t, strings.HasSuffix(d.CodeDescription.Href, "/PS001.md"), d.CodeDescription.Href)
	assert.Contains(t, d.Message, "CREATE INDEX takes SHARE on users")
	// The table the finding names was created by an earlier migration.
	require.Len(t, d.RelatedInformation, 1)
	rel := d.RelatedInformation[0]
	assert.Equal(t, fileURI(filepath.Join(dir, "db/migrations/001_users.up.sql")), rel.Location.URI)
	assert.Equal(t, lspRange{Start: lspPosition{0, 0}, End: lspPosition{0, 54}}, rel.Location.Range)
	assert.Equal(t, "users is created here", rel.Message)
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPRelatedStatements checks that a finding whose message names
// another statement of the file points at it: the VALIDATE in the
// transaction of its ADD CONSTRAINT ... NOT VALID.
func TestLSPRelatedStatements(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	const text = "SET lock_timeout = '2s';\n" +
		"ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '') NOT VALID;\n" +
		"ALTER TABLE users VALIDATE CONSTRAINT users_email_check;\n"
	path := filepath.Join(dir, "db/migrations/003_check.up.sql")
	uri := c.open(path, text)
	p := c.diagnostics(uri)
	var validate *lspDiagnostic
	for i, d := range p.Diagnostics {
		if d.Code == "PS014" {
			validate = &p.Diagnostics[i]
		}
	}
	require.NotNil(t, validate, "PS014 on the VALIDATE: %v", codes(p.Diagnostics))
	assert.Equal(t, 2, validate.Range.Start.Line, "on the VALIDATE")
	require.Len(t, validate.RelatedInformation, 2, "%+v", validate.RelatedInformation)
	add := validate.RelatedInformation[0]
	assert.Equal(t, uri, add.Location.URI)
	assert.Equal(t, lspRange{Start: lspPosition{1, 0}, End: lspPosition{1, 80}}, add.Location.Range, "the ADD CONSTRAINT")
	assert.Equal(t, "the ADD CONSTRAINT ... NOT VALID in the same transaction", add.Message)
	assert.Equal(t, "users is created here", validate.RelatedInformation[1].Message)
	assert.Equal(t, 0, c.shutdown())
}

// TestLSPRelatedCreateOfQuotedTable checks that the statement that
// created a table is found for a name in mixed case, which the catalog
// keeps as it was quoted.
func TestLSPRelatedCreateOfQuotedTable(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, map[string]string{
		".pgsafe.toml":                   "framework = \"golang-migrate\"\n",
		"db/migrations/001_users.up.sql": "CREATE TABLE \"Users\" (id bigint PRIMARY KEY, email text);\n",
	})
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), "CREATE INDEX users_email ON \"Users\" (email);\n")
	p := c.diagnostics(uri)
	require.NotEmpty(t, p.Diagnostics)
	d := p.Diagnostics[0]
	require.Equal(t, "PS001", d.Code)
	require.Len(t, d.RelatedInformation, 1)
	assert.Equal(t, "Users is created here", d.RelatedInformation[0].Message)
	assert.Equal(t, 0, c.shutdown())
}

// change sends the whole new text of the document uri as version.
func (c *lspClient) change(uri string, version int, text string) {
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": version},
		"contentChanges": []map[string]any{{"text": text}},
	})
}

func TestLSPDidChangeUnsavedTextWins(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), lspSet["db/migrations/002_idx.up.sql"])
	assert.Equal(t, []string{"PS001", "PS040"}, codes(c.diagnostics(uri).Diagnostics))
	c.change(uri, 2, "CREATE TABLE accounts (id bigint PRIMARY KEY);\n")
	p := c.diagnostics(uri)
	require.NotNil(t, p.Version)
	assert.Equal(t, 2, *p.Version)
	assert.Empty(t, p.Diagnostics, "the buffer, not the file on disk, is checked")
	// A later file is checked again when an earlier one changes, as it
	// runs on the schema the earlier one leaves.
	later := c.open(filepath.Join(dir, "db/migrations/003_more.up.sql"), "ALTER TABLE accounts ADD COLUMN note text;\n")
	assert.Equal(t, []string{"PS040"}, codes(c.diagnostics(later).Diagnostics))
	c.change(uri, 3, "CREATE TABLE orders (id bigint);\n")
	assert.Empty(t, c.diagnostics(uri).Diagnostics)
	p = c.diagnostics(later)
	assert.Equal(t, 1, *p.Version)
	assert.Equal(t, []string{"PS040"}, codes(p.Diagnostics))
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPIncrementalChangeNonASCII(t *testing.T) {
	// The statement follows a comment with characters of 2, 3 and 4
	// bytes in UTF-8 (é, ☕, 𝄞: 1, 1 and 2 UTF-16 code units).
	const text = "/* café ☕ 𝄞 */ CREATE INDEX users_email ON users (email);\n"
	for _, enc := range []struct {
		name      string
		offered   []string
		character int // of CREATE
	}{
		{"utf-16", nil, 16},
		{"utf-8", []string{"utf-8", "utf-16"}, 21},
	} {
		t.Run(enc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLSPFiles(t, dir, lspSet)
			c := startLSP(t, dir)
			more := map[string]any{}
			if enc.offered != nil {
				more["capabilities"] = map[string]any{"general": map[string]any{"positionEncodings": enc.offered}}
			}
			c.initialize(dir, more)
			uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), text)
			p := c.diagnostics(uri)
			require.Equal(t, []string{"PS001", "PS040"}, codes(p.Diagnostics))
			assert.Equal(t, lspPosition{0, enc.character}, p.Diagnostics[0].Range.Start)
			// Replace "users_email" (11 characters after "CREATE INDEX ")
			// with "users_mail" by an incremental change.
			at := enc.character + len("CREATE INDEX ")
			c.notify("textDocument/didChange", map[string]any{
				"textDocument": map[string]any{"uri": uri, "version": 2},
				"contentChanges": []map[string]any{{
					"range": map[string]any{"start": map[string]any{"line": 0, "character": at + 6}, "end": map[string]any{"line": 0, "character": at + 7}},
					"text":  "",
				}},
			})
			p = c.diagnostics(uri)
			require.Equal(t, []string{"PS001", "PS040"}, codes(p.Diagnostics))
			assert.Equal(t, lspPosition{0, enc.character + len("CREATE INDEX users_mail ON users (email)")}, p.Diagnostics[0].Range.End,
				"the incremental change removed one character at the right place")
			assert.Equal(t, 0, c.shutdown())
		})
	}
}

func TestLSPDidSaveChecksAtOnce(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	// A debounce that no test waits out: only the save checks.
	c.initialize(dir, map[string]any{"initializationOptions": map[string]any{"debounceMs": 3600 * 1000}})
	path := filepath.Join(dir, "db/migrations/002_idx.up.sql")
	uri := c.open(path, lspSet["db/migrations/002_idx.up.sql"])
	assert.Equal(t, []string{"PS001", "PS040"}, codes(c.diagnostics(uri).Diagnostics))
	fixed := "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
	c.change(uri, 2, fixed)
	writeLSPFiles(t, dir, map[string]string{"db/migrations/002_idx.up.sql": fixed})
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": uri}})
	p := c.diagnostics(uri)
	require.NotNil(t, p.Version)
	assert.Equal(t, 2, *p.Version)
	assert.Empty(t, p.Diagnostics)
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPStaleCheckIsNotPublished(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, map[string]any{"initializationOptions": map[string]any{"debounceMs": 3600 * 1000}})
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), lspSet["db/migrations/002_idx.up.sql"])
	assert.Equal(t, 1, *c.diagnostics(uri).Version)
	// Version 2 is superseded by version 3 before its check is due: it is
	// never checked nor published.
	c.change(uri, 2, "CREATE INDEX a ON users (email);\n")
	c.change(uri, 3, "ALTER TABLE users ADD CONSTRAINT c CHECK (email <> '');\n")
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": uri}})
	p := c.diagnostics(uri)
	assert.Equal(t, 3, *p.Version, "the first diagnostics after the changes are those of the last one")
	assert.Equal(t, []string{"PS040", "PS011"}, codes(p.Diagnostics))
	assert.Equal(t, 0, c.shutdown())
}

// lspAction is a code action as the client reads it.
type lspAction struct {
	Title       string          `json:"title"`
	Kind        string          `json:"kind"`
	IsPreferred bool            `json:"isPreferred"`
	Diagnostics []lspDiagnostic `json:"diagnostics"`
	Edit        struct {
		Changes         map[string][]lspTextEdit `json:"changes"`
		DocumentChanges []struct {
			Kind         string `json:"kind"` // "create" for a CreateFile
			URI          string `json:"uri"`
			TextDocument *struct {
				URI     string `json:"uri"`
				Version *int   `json:"version"`
			} `json:"textDocument"`
			Edits []lspTextEdit `json:"edits"`
		} `json:"documentChanges"`
	} `json:"edit"`
}

type lspTextEdit struct {
	Range   lspRange `json:"range"`
	NewText string   `json:"newText"`
}

// applyEdits applies edits to ASCII text as the protocol says: every
// range is of the original text, and inserts at one place go in the
// order of the edits.
func applyEdits(t *testing.T, text string, edits []lspTextEdit) string {
	lines := strings.SplitAfter(text, "\n")
	offset := func(p lspPosition) int {
		n := 0
		for i := 0; i < p.Line && i < len(lines); i++ {
			n += len(lines[i])
		}
		return n + p.Character
	}
	type span struct{ start, end int }
	spans := make([]span, len(edits))
	order := make([]int, len(edits))
	for i, e := range edits {
		spans[i] = span{offset(e.Range.Start), offset(e.Range.End)}
		require.LessOrEqual(t, spans[i].start, spans[i].end)
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		x, y := spans[order[a]], spans[order[b]]
		return x.start < y.start || x.start == y.start && x.end < y.end
	})
	var out strings.Builder
	at := 0
	for _, i := range order {
		require.GreaterOrEqual(t, spans[i].start, at, "overlapping edits")
		out.WriteString(text[at:spans[i].start])
		out.WriteString(edits[i].NewText)
		at = spans[i].end
	}
	out.WriteString(text[at:])
	return out.String()
}

// actions asks for the code actions at the start of line 0 of uri.
func (c *lspClient) actions(uri string, ds []lspDiagnostic, only ...string) []lspAction {
	ctx := map[string]any{"diagnostics": ds}
	if len(only) > 0 {
		ctx["only"] = only
	}
	var out []lspAction
	c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}},
		"context":      ctx,
	}, &out)
	return out
}

func findAction(actions []lspAction, prefix string) *lspAction {
	for i := range actions {
		if strings.HasPrefix(actions[i].Title, prefix) {
			return &actions[i]
		}
	}
	return nil
}

const twoHazards = "CREATE INDEX users_email ON users (email);\nALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '');\n"

func TestLSPCodeActionSplitFix(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), twoHazards)
	p := c.diagnostics(uri)
	require.Equal(t, []string{"PS001", "PS040", "PS011"}, codes(p.Diagnostics))
	actions := c.actions(uri, p.Diagnostics[:1])
	fix := findAction(actions, "PS001: Build the index concurrently")
	require.NotNil(t, fix, "%+v", actions)
	assert.Equal(t, "quickfix", fix.Kind)
	assert.True(t, fix.IsPreferred, "a safe fix is the preferred action")
	require.Len(t, fix.Diagnostics, 1)
	assert.Equal(t, "PS001", fix.Diagnostics[0].Code)
	// The concurrent build goes to a new migration of its own, which
	// the edit creates, and then fills.
	var created []string
	for _, dc := range fix.Edit.DocumentChanges {
		if dc.Kind == "create" {
			created = append(created, dc.URI)
		}
	}
	assert.Contains(t, created, fileURI(filepath.Join(dir, "db/migrations/003_idx.up.sql")), "%+v", fix.Edit.DocumentChanges)
	var newText, ownText string
	for _, dc := range fix.Edit.DocumentChanges {
		if dc.TextDocument != nil && dc.TextDocument.URI == fileURI(filepath.Join(dir, "db/migrations/003_idx.up.sql")) {
			newText = applyEdits(t, "", dc.Edits)
		}
		if dc.TextDocument != nil && dc.TextDocument.URI == uri {
			require.NotNil(t, dc.TextDocument.Version, "the edit names the version it was made for")
			assert.Equal(t, 1, *dc.TextDocument.Version)
			ownText = applyEdits(t, twoHazards, dc.Edits)
		}
	}
	// The index is built concurrently alone in its file, as golang-migrate
	// sends a file as one query; the statement after it moves on.
	assert.Equal(t, "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);", strings.TrimSpace(lastLine(ownText)), "%+v", fix.Edit.DocumentChanges)
	assert.Contains(t, newText, "ALTER TABLE users ADD CONSTRAINT users_email_check")
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPCodeActionIgnore(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), twoHazards)
	p := c.diagnostics(uri)
	ignore := findAction(c.actions(uri, p.Diagnostics[:1]), "PS001: ignore require-concurrent-index here")
	require.NotNil(t, ignore)
	require.Len(t, ignore.Edit.DocumentChanges, 1)
	text := applyEdits(t, twoHazards, ignore.Edit.DocumentChanges[0].Edits)
	assert.True(t, strings.HasPrefix(text, "-- pgsafe:ignore PS001 <say why this is safe here>\nCREATE INDEX users_email"), text)
	// Applied, the edit comes back as a change, which is checked again.
	c.change(uri, 2, text)
	p = c.diagnostics(uri)
	assert.Equal(t, 2, *p.Version)
	assert.Equal(t, []string{"PS900", "PS040", "PS011"}, codes(p.Diagnostics), "PS001 is suppressed; the placeholder reason is reported until it is replaced")
	c.change(uri, 3, strings.Replace(text, "<say why this is safe here>", "the table is empty until the release", 1))
	assert.Equal(t, []string{"PS040", "PS011"}, codes(c.diagnostics(uri).Diagnostics))
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPCodeActionFixAll(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), twoHazards)
	p := c.diagnostics(uri)
	actions := c.actions(uri, p.Diagnostics, "source.fixAll")
	require.Len(t, actions, 1, "only the source action is asked for: %+v", actions)
	all := actions[0]
	assert.Equal(t, "source.fixAll.pgsafe", all.Kind)
	texts := map[string]string{}
	for _, dc := range all.Edit.DocumentChanges {
		if dc.TextDocument != nil {
			base := ""
			if dc.TextDocument.URI == uri {
				base = twoHazards
			}
			texts[dc.TextDocument.URI] = applyEdits(t, base, dc.Edits)
		}
	}
	// The same files and texts as pgsafe fix makes.
	assert.Contains(t, texts[uri], "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);")
	assert.NotContains(t, texts[uri], "ADD CONSTRAINT")
	assert.Contains(t, texts[fileURI(filepath.Join(dir, "db/migrations/004_idx.up.sql"))], "VALIDATE CONSTRAINT users_email_check")
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPHover(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	text := "-- pgsafe:ignore PS040 the table is new\nCREATE INDEX users_email ON users (email);\n"
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), text)
	c.diagnostics(uri)
	hover := func(line, character int) string {
		var h struct {
			Contents struct {
				Kind  string `json:"kind"`
				Value string `json:"value"`
			} `json:"contents"`
		}
		c.call("textDocument/hover", map[string]any{"textDocument": map[string]any{"uri": uri}, "position": map[string]any{"line": line, "character": character}}, &h)
		return h.Contents.Value
	}
	stmt := hover(1, 3)
	assert.Contains(t, stmt, "`SHARE` on `public.users`")
	assert.Contains(t, stmt, "blocks writes (INSERT, UPDATE, DELETE)")
	code := hover(0, 19)
	assert.Contains(t, code, "**PS040** `missing-lock-timeout`")
	assert.Contains(t, code, rulesSummary(t, "PS040"))
	assert.Equal(t, 0, c.shutdown())
}

// lastLine returns the last line of text that is not empty.
func lastLine(text string) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	return lines[len(lines)-1]
}

func TestLSPConfigErrorAndReload(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	cfgPath := filepath.Join(dir, ".pgsafe.toml")
	writeLSPFiles(t, dir, map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\nselect = [\"PS999\"]\n"})
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	// The server watches configs and migrations when the client lets it.
	reg := c.take("the watcher registration", func(m *lspMessage) bool { return m.Method == "client/registerCapability" })
	assert.Contains(t, string(reg.Params), `"globPattern":"**/.pgsafe.toml"`)

	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), lspSet["db/migrations/002_idx.up.sql"])
	bad := c.diagnostics(fileURI(cfgPath))
	require.Len(t, bad.Diagnostics, 1)
	assert.Equal(t, 1, bad.Diagnostics[0].Range.Start.Line, "on the line of select")
	assert.Contains(t, bad.Diagnostics[0].Message, `unknown rule "PS999"`)
	assert.Empty(t, c.diagnostics(uri).Diagnostics, "no findings under a config that cannot be read")

	// The config is fixed on disk, and the client says so.
	writeLSPFiles(t, dir, map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\nignore = [\"PS040\"]\n"})
	c.notify("workspace/didChangeWatchedFiles", map[string]any{"changes": []map[string]any{{"uri": fileURI(cfgPath), "type": 2}}})
	assert.Empty(t, c.diagnostics(fileURI(cfgPath)).Diagnostics, "the config's error is cleared")
	assert.Equal(t, []string{"PS001"}, codes(c.diagnostics(uri).Diagnostics), "the new config ignores PS040")

	// Saving the config in the editor reloads it too.
	writeLSPFiles(t, dir, map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\npg-version = 99\n"})
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": fileURI(cfgPath)}})
	bad = c.diagnostics(fileURI(cfgPath))
	require.Len(t, bad.Diagnostics, 1)
	assert.Equal(t, lspRange{Start: lspPosition{1, 0}, End: lspPosition{1, 15}}, bad.Diagnostics[0].Range, "the line of pg-version")

	// A TOML syntax error is placed at its column.
	writeLSPFiles(t, dir, map[string]string{".pgsafe.toml": "framework = \"golang-migrate\"\npg-version = 1 5\n"})
	c.notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": fileURI(cfgPath)}})
	bad = c.diagnostics(fileURI(cfgPath))
	require.Len(t, bad.Diagnostics, 1)
	assert.Equal(t, 1, bad.Diagnostics[0].Range.Start.Line)
	assert.Greater(t, bad.Diagnostics[0].Range.Start.Character, 0, "%+v", bad.Diagnostics[0].Range)
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPDidCloseClearsDiagnostics(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), lspSet["db/migrations/002_idx.up.sql"])
	assert.NotEmpty(t, c.diagnostics(uri).Diagnostics)
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	p := c.diagnostics(uri)
	assert.Empty(t, p.Diagnostics)
	assert.Nil(t, p.Version)
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPFlywayConfBuffer(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, map[string]string{
		".pgsafe.toml":   "framework = \"flyway\"\n",
		"sql/V1__t.sql":  "CREATE TABLE t (id bigint);\n",
		"sql/V2__i.sql":  "CREATE INDEX t_id ON t (id);\n",
		"sql/README.txt": "not a migration\n",
	})
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	path := filepath.Join(dir, "sql/V2__i.sql")
	uri := c.open(path, "CREATE INDEX t_id ON t (id);\n")
	p := c.diagnostics(uri)
	require.Equal(t, []string{"PS001", "PS040"}, codes(p.Diagnostics))
	actions := c.actions(uri, p.Diagnostics)
	// The concurrent build needs the file out of Flyway's transaction:
	// the fix creates its .sql.conf.
	fix := findAction(actions, "PS001: Build the index concurrently, with executeInTransaction=false in V2__i.sql.conf")
	require.NotNil(t, fix, "%+v", actions)
	require.NotEmpty(t, fix.Edit.DocumentChanges)
	assert.Equal(t, "create", fix.Edit.DocumentChanges[0].Kind)
	assert.Equal(t, fileURI(path+".conf"), fix.Edit.DocumentChanges[0].URI)
	assert.NotNil(t, findAction(actions, "PS040: Set lock_timeout for the transaction"))

	// An unsaved .sql.conf buffer takes the migration out of the
	// transaction, as the file would on disk.
	c.open(path+".conf", "executeInTransaction=false\n")
	p = c.diagnostics(uri)
	actions = c.actions(uri, p.Diagnostics)
	assert.NotNil(t, findAction(actions, "PS040: Set lock_timeout for the session"), "%+v", actions)
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPSameFindingsAsLint(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"db/migrations/001_users.up.sql": "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text);\n",
		"db/migrations/002_idx.up.sql":   twoHazards,
		"db/migrations/003_more.up.sql": "-- pgsafe:ignore PS040 the table is small\nALTER TABLE users ALTER COLUMN name SET NOT NULL;\n" +
			"ALTER TABLE users ALTER COLUMN email TYPE varchar(100);\nUPDATE users SET name = '';\n-- pgsafe:ignore PS999 nothing\n",
		"db/migrations/004_drop.up.sql": "ALTER TABLE users DROP COLUMN name;\n",
	}
	writeLSPFiles(t, dir, files) // no config: the tool is guessed, as lint guesses it
	var stdout bytes.Buffer
	runEnv(context.Background(), []string{"pgsafe", "lint", "--format", "json", dir}, env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: io.Discard,
		getenv: func(string) string { return "" }, workdir: dir, isTerminal: func(io.Writer) bool { return false },
	})
	var report struct {
		Diagnostics []struct {
			File                             string
			Line, Column, EndLine, EndColumn int
			Code, Severity                   string
		} `json:"diagnostics"`
	}
	require.NoError(t, json.Unmarshal(bytes.ReplaceAll(stdout.Bytes(), []byte(`"end_`), []byte(`"End`)), &report))
	severity := map[string]int{"error": 1, "warning": 2, "hint": 4}
	want := map[string][]string{}
	for _, d := range report.Diagnostics {
		rel, err := filepath.Rel(dir, d.File)
		require.NoError(t, err)
		want[rel] = append(want[rel], fmt.Sprintf("%s %d:%d-%d:%d %d", d.Code, d.Line-1, d.Column-1, d.EndLine-1, d.EndColumn-1, severity[d.Severity]))
	}
	require.NotEmpty(t, want)

	c := startLSP(t, dir)
	c.initialize(dir, nil)
	for name, text := range files {
		uri := c.open(filepath.Join(dir, name), text)
		var got []string
		for _, d := range c.diagnostics(uri).Diagnostics {
			r := d.Range
			got = append(got, fmt.Sprintf("%s %d:%d-%d:%d %d", d.Code, r.Start.Line, r.Start.Character, r.End.Line, r.End.Character, d.Severity))
		}
		assert.ElementsMatch(t, want[name], got, name)
	}
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPStatsSnapshotPricesFindings(t *testing.T) {
	// The CLI case whose config names a production snapshot: the index
	// build on orders takes about a minute, under the config's threshold,
	// so PS001 is a hint there, with the estimate.
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("../../fixtures/cli/stats-config")))
	c := startLSP(t, dir)
	c.initialize(dir, nil)
	path := filepath.Join(dir, "migrations/00002_index_orders.sql")
	text, err := os.ReadFile(path)
	require.NoError(t, err)
	p := c.diagnostics(c.open(path, string(text)))
	require.NotEmpty(t, p.Diagnostics)
	d := p.Diagnostics[0]
	assert.Equal(t, "PS001", d.Code)
	assert.Equal(t, 4, d.Severity, "a hint, as in lint --stats")
	assert.Contains(t, d.Message, "\nproduction: blocks writes to orders (48M rows")
	assert.Equal(t, 0, c.shutdown())
}

func TestLSPCodeActionsWithoutDocumentChanges(t *testing.T) {
	dir := t.TempDir()
	writeLSPFiles(t, dir, lspSet)
	c := startLSP(t, dir)
	// A client that takes only edits by URI: it cannot create files.
	c.initialize(dir, map[string]any{"capabilities": map[string]any{}})
	uri := c.open(filepath.Join(dir, "db/migrations/002_idx.up.sql"), twoHazards)
	p := c.diagnostics(uri)
	actions := c.actions(uri, p.Diagnostics[:1])
	assert.Nil(t, findAction(actions, "PS001: Build the index concurrently"), "the split fix creates a file: not offered")
	ignore := findAction(actions, "PS001: ignore require-concurrent-index here")
	require.NotNil(t, ignore)
	assert.Empty(t, ignore.Edit.DocumentChanges)
	require.Len(t, ignore.Edit.Changes[uri], 1)
	assert.Equal(t, "-- pgsafe:ignore PS001 <say why this is safe here>\n", ignore.Edit.Changes[uri][0].NewText)
	assert.Equal(t, 0, c.shutdown())
}
