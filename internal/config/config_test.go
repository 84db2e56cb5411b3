package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseEveryKey(t *testing.T) {
	text := `# a full config
pg-version = 13
framework = "goose"
select = ["PS001", "require-concurrent-index"]
ignore = ["PS900"]
exclude = ["**/testdata/**", "seed_*.sql"]
include-down = false
fail-on = "error"
lock-timeout = "3s"
statement-timeout = "10min"
batch-size = 500
type-change-drop = "contract"
queries = ["db/queries/*.sql"]
code = ["internal/**/*.go"]
schema = "db/schema.sql"
max-file-size = "128MiB"
release-tag = "v*"
contract-releases = 2

[severity]
PS001 = "warning"
"unused-suppression" = "hint"
`
	c, err := Parse("p.toml", text)
	require.NoError(t, err)
	assert.Equal(t, "p.toml", c.Path)
	assert.Equal(t, 13, c.PGVersion)
	assert.Equal(t, "goose", c.Framework)
	assert.Equal(t, []string{"PS001", "require-concurrent-index"}, c.Select)
	assert.Equal(t, []string{"PS900"}, c.Ignore)
	assert.Equal(t, []string{"**/testdata/**", "seed_*.sql"}, c.Exclude)
	require.NotNil(t, c.IncludeDown)
	assert.False(t, *c.IncludeDown)
	assert.Equal(t, "error", c.FailOn)
	assert.Equal(t, "3s", c.LockTimeout)
	assert.Equal(t, "10min", c.StatementTimeout)
	assert.Equal(t, 500, c.BatchSize)
	assert.Equal(t, "contract", c.TypeChangeDrop)
	assert.Equal(t, []string{"db/queries/*.sql"}, c.Queries)
	assert.Equal(t, []string{"internal/**/*.go"}, c.Code)
	assert.Equal(t, "db/schema.sql", c.Schema)
	assert.Equal(t, "128MiB", c.MaxFileSize)
	assert.Equal(t, "v*", c.ReleaseTag)
	assert.Equal(t, 2, c.ContractReleases)
	assert.Equal(t, map[string]string{"PS001": "warning", "unused-suppression": "hint"}, c.Severity)

	c, err = Parse("p.toml", "database-url = \"postgres://localhost/app\"\n")
	require.NoError(t, err)
	assert.Equal(t, "postgres://localhost/app", c.DatabaseURL)

	for _, mode := range []string{"lint", "warn-only", "skip"} {
		c, err = Parse("p.toml", "down-migrations = \""+mode+"\"\n")
		require.NoError(t, err)
		assert.Equal(t, mode, c.DownMigrations)
	}
}

// TestPathsRelativeToTheFile checks that the paths a file names are taken
// from its folder.
func TestPathsRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", FileName)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte("schema = \"schema.sql\"\n"), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "sub", "schema.sql"), c.Rel(c.Schema))
	assert.Equal(t, "/abs.sql", c.Rel("/abs.sql"))
	assert.Equal(t, "x.sql", (&Config{}).Rel("x.sql"), "without a file, paths stay as given")
}

func TestParseEmpty(t *testing.T) {
	c, err := Parse("p.toml", "# nothing set\n")
	require.NoError(t, err)
	assert.Zero(t, c.PGVersion)
	assert.Nil(t, c.IncludeDown, "include-down unset is nil, not false")
	assert.Empty(t, c.Severity)
}

func TestParseSeverityForms(t *testing.T) {
	for name, text := range map[string]string{
		"table":        "[severity]\nPS001 = \"hint\"\n",
		"inline table": "severity = { PS001 = \"hint\" }\n",
		"dotted key":   "severity.PS001 = \"hint\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := Parse("p.toml", text)
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"PS001": "hint"}, c.Severity)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		msg  string
	}{
		{"syntax", "pg-version = 15\n\n[severity\n", 3, "expected '.' or ']'"},
		{"duplicate key", "pg-version = 15\npg-version = 16\n", 2, "already been defined"},
		{"unknown key", "pg-version = 15\n\nlock_timeout = \"2s\"\n", 3, `unknown key "lock_timeout" (known: pg-version,`},
		{"unknown table", "framework = \"goose\"\n[rules]\nPS001 = true\n", 2, `unknown key "rules"`},
		{"unknown dotted key", "\nfoo.bar = 1\n", 2, `unknown key "foo"`},
		{"string for integer", "framework = \"goose\"\npg-version = \"fifteen\"\n", 2, "pg-version must be an integer from 11 to 18, not a string"},
		{"float for integer", "pg-version = 15.5\n", 1, "pg-version must be an integer from 11 to 18, not a number with a fraction"},
		{"string for array", "\nselect = \"PS001\"\n", 2, "select must be an array of rule codes or names, not a string"},
		{"number in array", "exclude = [\n  \"a\",\n  1,\n]\n", 1, "exclude must be an array of glob strings"},
		{"string for bool", "include-down = \"no\"\n", 1, "include-down must be true or false, not a string"},
		{"integer for string", "lock-timeout = 2\n", 1, `lock-timeout must be a duration string such as "2s", not an integer`},
		{"pg-version too low", "pg-version = 10\n", 1, "pg-version 10 is out of range (11 to 18)"},
		{"pg-version zero", "pg-version = 0\n", 1, "pg-version 0 is out of range"},
		{"pg-version too high", "# c\npg-version = 19\n", 2, "pg-version 19 is out of range"},
		{"batch-size negative", "batch-size = -1\n", 1, "batch-size must be a positive integer, not -1"},
		{"batch-size zero", "batch-size = 0\n", 1, "batch-size must be a positive integer, not 0"},
		{"type-change-drop value", "type-change-drop = \"later\"\n", 1, `type-change-drop must be "swap" or "contract", not "later"`},
		{"down-migrations value", "# c\ndown-migrations = \"warn\"\n", 2, `down-migrations must be "lint", "warn-only" or "skip", not "warn"`},
		{"down-migrations type", "down-migrations = false\n", 1, `down-migrations must be "lint", "warn-only" or "skip", not a bool`},
		{"down-migrations and include-down", "down-migrations = \"skip\"\ninclude-down = false\n", 2, "include-down and down-migrations both say what to do with down migrations"},
		{"fail-on", "fail-on = \"fatal\"\n", 1, `fail-on must be "hint", "warning", "error" or "never", not "fatal"`},
		{"lock-timeout unit", "lock-timeout = \"2 seconds\"\n", 1, `lock-timeout must be a positive duration`},
		{"lock-timeout zero", "lock-timeout = \"0\"\n", 1, `lock-timeout must be a positive duration`},
		{"statement-timeout", "statement-timeout = \"soon\"\n", 1, `statement-timeout must be a positive duration`},
		{"bad glob", "exclude = [\"a[\"]\n", 1, `exclude: bad glob pattern "a["`},
		{"bad queries glob", "queries = [\"q[\"]\n", 1, `queries: bad glob pattern "q["`},
		{"bad code glob", "# c\ncode = [\"internal/[\"]\n", 2, `code: bad glob pattern "internal/["`},
		{"code type", "code = \"internal/**/*.go\"\n", 1, `code must be an array of glob strings, not a string`},
		{"max-file-size", "max-file-size = \"64MB\"\n", 1, `max-file-size: "64MB" is not a size`},
		{"max-file-size integer", "max-file-size = 1000\n", 1, `max-file-size must be a size string such as "64MiB", not an integer`},
		{"schema and database-url", "schema = \"s.sql\"\ndatabase-url = \"postgres://x\"\n", 2, "schema and database-url both name a starting schema"},
		{"release-tag empty", "release-tag = \"\"\n", 1, `release-tag must be a git tag glob such as "v*", not ""`},
		{"release-tag option", "release-tag = \"--all\"\n", 1, `release-tag must be a git tag glob`},
		{"release-tag type", "release-tag = 1\n", 1, `release-tag must be a git tag glob such as "v*", not an integer`},
		{"contract-releases zero", "contract-releases = 0\n", 1, "contract-releases must be a positive integer, not 0"},
		{"contract-releases type", "contract-releases = \"2\"\n", 1, "contract-releases must be a positive integer, not a string"},
		{"severity value", "[severity]\nPS001 = \"fatal\"\n", 2, `severity of PS001 must be "hint", "warning" or "error", not "fatal"`},
		{"severity type", "[severity]\nPS001 = \"hint\"\n\"PS002\" = 3\n", 3, `severity of PS002 must be "hint", "warning" or "error", not an integer`},
		{"severity not a table", "severity = \"hint\"\n", 1, "severity must be a table"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("dir/.pgsafe.toml", tt.text)
			require.Error(t, err)
			var ce *Error
			require.True(t, errors.As(err, &ce), "error %T is not a *config.Error", err)
			assert.Equal(t, "dir/.pgsafe.toml", ce.Path)
			assert.Equal(t, tt.line, ce.Line, "line of %q", err)
			assert.Contains(t, ce.Msg, tt.msg)
		})
	}
}

func TestDurations(t *testing.T) {
	for _, ok := range []string{"2s", "500ms", "1min", "1.5s", "100", "2 s", "1h", "1d", "250us"} {
		_, err := Parse("p.toml", "lock-timeout = \""+ok+"\"\n")
		assert.NoError(t, err, ok)
	}
}

func TestErrorString(t *testing.T) {
	assert.Equal(t, "a.toml:3: bad", (&Error{Path: "a.toml", Line: 3, Msg: "bad"}).Error())
	assert.Equal(t, "a.toml: bad", (&Error{Path: "a.toml", Msg: "bad"}).Error())
}

func TestErrorAt(t *testing.T) {
	text := `select = ["PS001"]
framework = "goose"

[severity]
PS001 = "hint"
"unknown-rule" = "error"
`
	c, err := Parse("p.toml", text)
	require.NoError(t, err)
	for _, tt := range []struct {
		key  []string
		line int
	}{
		{[]string{"select"}, 1},
		{[]string{"framework"}, 2},
		{[]string{"severity"}, 4},
		{[]string{"severity", "unknown-rule"}, 6},
		{[]string{"severity", "missing"}, 4}, // falls back to the table
		{[]string{"fail-on"}, 0},
		{nil, 0},
	} {
		err := c.ErrorAt("msg", tt.key...)
		var ce *Error
		require.True(t, errors.As(err, &ce))
		assert.Equal(t, tt.line, ce.Line, "key %v", tt.key)
		assert.Equal(t, "msg", ce.Msg)
	}
}

func TestErrorAtInlineAndDotted(t *testing.T) {
	_, err := Parse("p.toml", "pg-version = 12\nseverity = { PS001 = \"hint\" }\nseverity2 = 1\n")
	require.Error(t, err, "severity2 is unknown")
	c, err := Parse("p.toml", "pg-version = 12\nseverity = { PS001 = \"hint\" }\n")
	require.NoError(t, err)
	assert.Equal(t, 2, c.ErrorAt("m", "severity", "PS001").(*Error).Line)
	c, err = Parse("p.toml", "pg-version = 12\nseverity.PS001 = \"hint\"\n")
	require.NoError(t, err)
	assert.Equal(t, 2, c.ErrorAt("m", "severity", "PS001").(*Error).Line)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	require.NoError(t, os.WriteFile(path, []byte("pg-version = 14\n"), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, 14, c.PGVersion)
	assert.Equal(t, path, c.Path)

	require.NoError(t, os.WriteFile(path, []byte("\npg-version = 9\n"), 0o644))
	_, err = LoadAs(path, ".pgsafe.toml")
	require.Error(t, err)
	assert.Equal(t, ".pgsafe.toml:2: pg-version 9 is out of range (11 to 18)", err.Error())

	_, err = LoadAs(filepath.Join(dir, "missing.toml"), "missing.toml")
	require.Error(t, err)
	assert.Equal(t, "missing.toml: no such file or directory", err.Error())

	fifo := filepath.Join(dir, "fifo.toml")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err = LoadAs(fifo, "fifo.toml")
	require.Error(t, err, "a named pipe is refused, not opened (opening it would wait for a writer)")
	assert.Contains(t, err.Error(), "fifo.toml: not a regular file but a named pipe (FIFO)")
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	require.NoError(t, os.MkdirAll(deep, 0o755))

	assert.Empty(t, Find(deep), "no config anywhere above a fresh temp dir")

	top := filepath.Join(root, FileName)
	require.NoError(t, os.WriteFile(top, nil, 0o644))
	assert.Equal(t, top, Find(deep), "walks up to the root")
	assert.Equal(t, top, Find(root), "finds the file in the start folder")

	mid := filepath.Join(root, "a", FileName)
	require.NoError(t, os.WriteFile(mid, nil, 0o644))
	assert.Equal(t, mid, Find(deep), "the nearest file wins")

	// A folder named .pgsafe.toml is not a config file.
	require.NoError(t, os.Mkdir(filepath.Join(root, "a", "b", FileName), 0o755))
	assert.Equal(t, mid, Find(deep))
}

func TestFindRelative(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, FileName), nil, 0o644))
	t.Chdir(filepath.Join(root, "sub"))
	got := Find(".")
	require.NotEmpty(t, got, "a relative start folder still walks above the working directory")
	assert.Equal(t, FileName, filepath.Base(got))
}

func TestSplitKey(t *testing.T) {
	assert.Equal(t, []string{"a"}, splitKey(" a "))
	assert.Equal(t, []string{"a", "b.c", "d"}, splitKey(`a."b.c" . d`))
	assert.Equal(t, []string{"require-concurrent-index"}, splitKey(`'require-concurrent-index'`))
}

// TestDocs checks docs/configuration.md: its example parses, and every key
// is in its table and in the unknown-key message.
func TestDocs(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	require.NoError(t, err)
	doc := string(b)
	m := regexp.MustCompile("(?s)```toml\n(.*?)```").FindStringSubmatch(doc)
	require.NotNil(t, m, "docs/configuration.md has no toml example")
	_, err = Parse("example.toml", m[1])
	require.NoError(t, err, "the example in docs/configuration.md")

	typ := reflect.TypeFor[Config]()
	var fields []string
	for i := 0; i < typ.NumField(); i++ {
		key := typ.Field(i).Tag.Get("toml")
		if key == "" || key == "-" {
			continue
		}
		fields = append(fields, key)
		assert.Contains(t, doc, "| `"+key+"` |", "docs/configuration.md documents %s", key)
	}
	// Keys (the unknown-key message, and the schema's test) names the
	// fields, no more.
	assert.ElementsMatch(t, fields, Keys())
}
