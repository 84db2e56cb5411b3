package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Tests of statements too deep for the parser.

// hostileSet writes a migration set in which some files hold statements
// too deep for pg_query's C stack, between files that lint normally, and
// returns the folder. Before pgsafe measured statements first, the
// 30,000-term DEFAULT killed the whole run with SIGSEGV.
func hostileSet(t *testing.T) string {
	dir := t.TempDir()
	rep := strings.Repeat
	files := map[string]string{
		"db/001_index.sql": "CREATE INDEX accounts_a_idx ON accounts (a);\n",
		// About 60 KB on line 3.
		"db/002_default.sql": "-- a generated default\nCREATE TABLE totals (id int);\n" +
			"ALTER TABLE t ADD COLUMN x int DEFAULT 1" + rep("+1", 29999) + ";\n" +
			"CREATE INDEX accounts_b_idx ON accounts (b);\n",
		"db/003_parentheses.sql": "SELECT 1;\n\nSELECT " + rep("(", 100000) + "1" + rep(")", 100000) + ";\n",
		"db/004_case.sql":        "UPDATE t SET a = " + rep("CASE WHEN a THEN ", 5000) + "1" + rep(" END", 5000) + ";\n",
		"db/005_union.sql":       "INSERT INTO t (a, b)\n" + "SELECT 1, 'a'" + rep("\nUNION ALL SELECT 2, 'b'", 60000) + ";\n",
		// The body's expression is parsed on its own, and left unchecked.
		"db/006_function.sql": "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1" + rep("+1", 29999) +
			";\nEND\n$$;\nCREATE INDEX accounts_c_idx ON accounts (c);\n",
		"db/007_index.sql": "\n\nCREATE INDEX orders_a_idx ON orders (a);\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	}
	return dir
}

// TestHostileInputsLint checks that statements too deep to parse are
// syntax errors at their line, and that the other files, and the other
// statements of a file whose deep part is a function body, are linted.
func TestHostileInputsLint(t *testing.T) {
	dir := hostileSet(t)
	code, stdout, stderr := runIn(t, dir, nil, "lint", "--select", "PS000,PS001", "--framework", "psql", "db")
	assert.Equal(t, 1, code, stderr)
	var findings []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "db/") {
			path, rest, _ := strings.Cut(line, ": ")
			code, _, _ := strings.Cut(rest, " ")
			findings = append(findings, path+" "+code)
		}
	}
	assert.Equal(t, []string{
		"db/001_index.sql:1:1 error[PS001]",
		"db/002_default.sql:3:1 error[PS000]",
		"db/003_parentheses.sql:3:1 error[PS000]",
		"db/004_case.sql:1:1 error[PS000]",
		"db/005_union.sql:1:1 error[PS000]",
		"db/006_function.sql:6:1 error[PS001]",
		"db/007_index.sql:3:1 error[PS001]",
	}, findings)
	assert.Contains(t, stdout, "nested too deeply for pgsafe to parse safely")
	assert.Less(t, len(stdout), 20000, "snippets of long lines are cut")
}

// TestHostileInputsFixWrite checks that fix --write rewrites the files
// that parse and leaves the others as they were.
func TestHostileInputsFixWrite(t *testing.T) {
	dir := hostileSet(t)
	before := map[string]string{}
	for _, name := range []string{"002_default.sql", "003_parentheses.sql", "004_case.sql", "005_union.sql"} {
		b, err := os.ReadFile(filepath.Join(dir, "db", name))
		require.NoError(t, err)
		before[name] = string(b)
	}
	_, _, stderr := runIn(t, dir, nil, "fix", "--write", "--select", "PS001", "--framework", "psql", "db")
	for _, name := range []string{"001_index.sql", "006_function.sql", "007_index.sql"} {
		b, err := os.ReadFile(filepath.Join(dir, "db", name))
		require.NoError(t, err)
		assert.Contains(t, string(b), "CREATE INDEX CONCURRENTLY IF NOT EXISTS", "%s: %s", name, stderr)
	}
	for name, text := range before {
		b, err := os.ReadFile(filepath.Join(dir, "db", name))
		require.NoError(t, err)
		assert.Equal(t, text, string(b), name)
	}
}
