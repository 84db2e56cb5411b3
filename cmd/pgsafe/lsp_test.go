package main

import (
	"path/filepath"
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
	assert.Equal(t, 0, c.shutdown())
}
