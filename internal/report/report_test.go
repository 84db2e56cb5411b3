package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// input lints files (alternating path and text) with the rules whose
// output these tests show, so that rules added later change nothing.
func input(t *testing.T, pathsAndTexts ...string) report.Input {
	t.Helper()
	require.Zero(t, len(pathsAndTexts)%2)
	var files []source.File
	for i := 0; i < len(pathsAndTexts); i += 2 {
		files = append(files, source.File{Path: pathsAndTexts[i], Text: pathsAndTexts[i+1]})
	}
	all := rules.All()
	var enabled []*rules.Rule
	for _, code := range []string{"PS000", "PS001", "PS900", "PS901"} {
		r := rules.Lookup(all, code)
		require.NotNil(t, r, code)
		enabled = append(enabled, r)
	}
	res := lint.Run(files, lint.Options{
		Rules: enabled, Known: all, Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000},
	})
	rewrite.Place(res) // as the CLI does: fixes made of steps get their edits
	return report.Input{Result: res, Duration: 1234 * time.Millisecond}
}

func text(t *testing.T, in report.Input, opts report.TextOptions) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.Text(&b, in, opts))
	return b.String()
}

func TestText(t *testing.T) {
	in := input(t, "db/001.sql", "-- add an index\nCREATE INDEX accounts_email_idx ON accounts (email);\n")
	got := text(t, in, report.TextOptions{NoTiming: true})
	want := `db/001.sql:2:1: error[PS001] require-concurrent-index [*]: CREATE INDEX takes SHARE on accounts, which blocks writes for the whole index build
 2 | CREATE INDEX accounts_email_idx ON accounts (email);
   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  help: build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS, outside a transaction; if the build fails, DROP INDEX CONCURRENTLY the invalid index and retry
  fix: Build the index concurrently (safe)

pgsafe: db/ read as psql (flag: --framework)
pgsafe: in 1 file, 1 statement: 1 error, 0 warnings, 0 hints
`
	assert.Equal(t, want, got)
}

func TestTextTiming(t *testing.T) {
	in := input(t, "a.sql", "SELECT 1;\n")
	assert.Equal(t, "pgsafe: ./ read as psql (flag: --framework)\npgsafe: in 1 file, 1 statement: 0 errors, 0 warnings, 0 hints (1.23s)\n", text(t, in, report.TextOptions{}))
}

func TestTextMultiByteColumns(t *testing.T) {
	// 'ü' and 'é' are two bytes each: the column and the underline count
	// characters, so the carets sit under CREATE.
	in := input(t, "a.sql", "SELECT 'ü', 'é'; CREATE INDEX i ON t (c);\n")
	got := text(t, in, report.TextOptions{NoTiming: true})
	lines := strings.Split(got, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	assert.True(t, strings.HasPrefix(lines[0], "a.sql:1:18: error[PS001]"), lines[0])
	assert.Equal(t, " 1 | SELECT 'ü', 'é'; CREATE INDEX i ON t (c);", lines[1])
	assert.Equal(t, "   |                  ^^^^^^^^^^^^^^^^^^^^^^^", lines[2])
}

func TestTextMultiLineSpan(t *testing.T) {
	in := input(t, "a.sql", "SELECT 1;\n\nCREATE INDEX i\n\tON t (c);\n")
	got := text(t, in, report.TextOptions{NoTiming: true})
	lines := strings.Split(got, "\n")
	require.GreaterOrEqual(t, len(lines), 3)
	assert.True(t, strings.HasPrefix(lines[0], "a.sql:3:1: "), lines[0])
	assert.Equal(t, " 3 | CREATE INDEX i", lines[1])
	assert.Equal(t, "   | ^^^^^^^^^^^^^^ ...", lines[2], "underlines to the end of the first line and marks the rest")
}

func TestTextTabsAndWideGutter(t *testing.T) {
	sql := strings.Repeat("SELECT 1;\n", 11) + "\tCREATE INDEX i ON t (c);\n"
	in := input(t, "a.sql", sql)
	lines := strings.Split(text(t, in, report.TextOptions{NoTiming: true}), "\n")
	assert.True(t, strings.HasPrefix(lines[0], "a.sql:12:2: "), lines[0])
	assert.Equal(t, " 12 |  CREATE INDEX i ON t (c);", lines[1], "a tab shows as one space, the column it counts as")
	assert.Equal(t, "    |  ^^^^^^^^^^^^^^^^^^^^^^^", lines[2])
}

func TestTextLongLine(t *testing.T) {
	// A file on one line: each snippet shows the line around its finding,
	// not the whole line once per finding.
	stmt := "SELECT 'é'; CREATE INDEX i%03d ON t (c); "
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, stmt, i)
	}
	in := input(t, "a.sql", b.String())
	lines := strings.Split(text(t, in, report.TextOptions{NoTiming: true}), "\n")
	// Each finding takes four lines (finding, source, underline, blank),
	// and the first two more: the rule's help and the fix, printed once.
	require.Greater(t, len(lines), 4*100)
	at := 50*len([]rune(fmt.Sprintf(stmt, 0))) + len([]rune("SELECT 'é'; ")) + 1
	n := 4*50 + 2
	assert.Equal(t, fmt.Sprintf("a.sql:1:%d: error[PS001] require-concurrent-index [*]: CREATE INDEX takes SHARE on t, which blocks writes for the whole index build", at), lines[n])
	// 40 characters before the span, 160 from its start.
	assert.Equal(t, " 1 | …CREATE INDEX i049 ON t (c); SELECT 'é'; CREATE INDEX i050 ON t (c); SELECT 'é'; CREATE INDEX i051 ON t (c); "+
		"SELECT 'é'; CREATE INDEX i052 ON t (c); SELECT 'é'; CREATE INDEX i053 ON t (c); SELECT 'é'; …", lines[n+1])
	assert.Equal(t, "   | "+strings.Repeat(" ", 41)+strings.Repeat("^", 26), lines[n+2])
	assert.Empty(t, lines[n+3], "no help or fix title after the first finding of the rule")

	// At the start of the line, nothing is left out before the span.
	assert.Equal(t, " 1 | SELECT 'é'; CREATE INDEX i000 ON t (c); SELECT 'é'; CREATE INDEX i001 ON t (c); SELECT 'é'; CREATE INDEX i002 ON t (c); "+
		"SELECT 'é'; CREATE INDEX i003 ON t (c); SELECT 'é'; …", lines[1])
	assert.Equal(t, "   |             "+strings.Repeat("^", 26), lines[2])
}

func TestTextSyntaxError(t *testing.T) {
	in := input(t, "bad.sql", "SELECT 'ü' FROMM t;\n")
	got := text(t, in, report.TextOptions{NoTiming: true})
	want := `bad.sql:1:18: error[PS000] syntax-error: syntax error at or near "t"
 1 | SELECT 'ü' FROMM t;
   |                  ^
  help: fix the SQL at the marked position; Go-template placeholders must be rendered first

pgsafe: ./ read as psql (flag: --framework)
pgsafe: in 1 file, 0 statements: 1 error, 0 warnings, 0 hints
`
	assert.Equal(t, want, got)
}

func TestTextErrors(t *testing.T) {
	in := input(t, "a.sql", "SELECT 1;\n")
	in.Errors = []error{errors.New("missing.sql: no such file or directory")}
	got := text(t, in, report.TextOptions{NoTiming: true})
	assert.Equal(t, "error: missing.sql: no such file or directory\npgsafe: ./ read as psql (flag: --framework)\npgsafe: in 1 file, 1 statement: 0 errors, 0 warnings, 0 hints; 1 input could not be read\n", got)
}

func TestTextColor(t *testing.T) {
	in := input(t, "a.sql", "CREATE INDEX i ON t (c);\n")
	plain := text(t, in, report.TextOptions{NoTiming: true})
	assert.NotContains(t, plain, "\x1b[")

	colored := text(t, in, report.TextOptions{NoTiming: true, Color: true})
	assert.Contains(t, colored, "\x1b[31;1merror[PS001]\x1b[", "errors are bold red")
	assert.Contains(t, colored, "\x1b[1ma.sql:1:1:\x1b[", "the position is bold")
	assert.Contains(t, colored, "\x1b[31m^^^", "the underline is red")
	assert.Equal(t, plain, stripANSI(colored), "colour changes nothing but escapes")
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && s[j] != 'm' {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func jsonOf(t *testing.T, in report.Input) map[string]any {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, report.JSON(&b, in))
	var m map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &m), b.String())
	return m
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestJSONContract(t *testing.T) {
	in := input(t,
		"db/001.sql", "SELECT 'ü'; CREATE INDEX i ON accounts (email);\n",
		"db/002.sql", "SELECT (\n",
	)
	in.Errors = []error{errors.New("db/003.sql: not valid UTF-8")}
	m := jsonOf(t, in)

	// Fields may be added, never renamed: these must stay.
	assert.Subset(t, keys(m), []string{"version", "files", "diagnostics", "summary"})
	assert.InDelta(t, 1, m["version"], 0)

	files, ok := m["files"].([]any)
	require.True(t, ok)
	require.Len(t, files, 2)
	f0 := files[0].(map[string]any)
	assert.Equal(t, "db/001.sql", f0["path"])
	assert.Equal(t, "psql", f0["framework"])
	assert.Equal(t, "up", f0["direction"])
	assert.InDelta(t, 2, f0["statements"], 0)

	diags, ok := m["diagnostics"].([]any)
	require.True(t, ok)
	require.Len(t, diags, 2)

	d := diags[0].(map[string]any)
	assert.Subset(t, keys(d), []string{"file", "line", "column", "end_line", "end_column", "rule", "code", "severity", "message", "lock", "table", "fix"})
	assert.Equal(t, "db/001.sql", d["file"])
	assert.InDelta(t, 1, d["line"], 0)
	assert.InDelta(t, 13, d["column"], 0, "columns count characters: 'ü' is one")
	assert.InDelta(t, 1, d["end_line"], 0)
	assert.InDelta(t, 47, d["end_column"], 0, "end is exclusive, one past the last character")
	assert.Equal(t, "require-concurrent-index", d["rule"])
	assert.Equal(t, "PS001", d["code"])
	assert.Equal(t, "error", d["severity"])
	assert.Contains(t, d["message"], "blocks writes")
	assert.Equal(t, "SHARE", d["lock"])
	assert.Equal(t, "accounts", d["table"])
	assert.Equal(t, map[string]any{"title": "Build the index concurrently", "safety": "safe"}, d["fix"])

	// A finding that is not about a lock has null lock, table and fix.
	se := diags[1].(map[string]any)
	assert.Equal(t, "syntax-error", se["rule"])
	assert.Equal(t, "PS000", se["code"])
	assert.InDelta(t, 2, se["line"], 0)
	for _, k := range []string{"lock", "table", "fix"} {
		v, present := se[k]
		assert.True(t, present, "%s is present", k)
		assert.Nil(t, v, "%s is null", k)
	}

	summary, ok := m["summary"].(map[string]any)
	require.True(t, ok)
	assert.Equal(t, map[string]any{"files": 2.0, "statements": 2.0, "errors": 2.0, "warnings": 0.0, "hints": 0.0, "duration_ms": 1234.0}, summary)

	errs, ok := m["errors"].([]any)
	require.True(t, ok)
	assert.Equal(t, []any{map[string]any{"message": "db/003.sql: not valid UTF-8"}}, errs)
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, report.JSON(&b, report.Input{Result: &lint.Result{}}))
	assert.Contains(t, b.String(), `"files": []`)
	assert.Contains(t, b.String(), `"diagnostics": []`)
	assert.Contains(t, b.String(), `"errors": []`)
}

func TestJSONSkippedFile(t *testing.T) {
	var b bytes.Buffer
	in := report.Input{Result: &lint.Result{Skipped: []lint.Skipped{{Path: "m/1_x.mysql.up.sql", Reason: "a mysql migration; PostgreSQL never runs it"}}}}
	require.NoError(t, report.JSON(&b, in))
	m := map[string]any{}
	require.NoError(t, json.Unmarshal(b.Bytes(), &m))
	files := m["files"].([]any)
	require.Len(t, files, 1)
	assert.Equal(t, "a mysql migration; PostgreSQL never runs it", files[0].(map[string]any)["skipped"])
}

func TestSummarize(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	in := report.Input{Result: &lint.Result{Statements: 7, Diagnostics: []rules.Diagnostic{
		{Rule: r, Severity: rules.Error}, {Rule: r, Severity: rules.Warning}, {Rule: r, Severity: rules.Warning}, {Rule: r, Severity: rules.Hint},
	}}, Duration: 2500 * time.Millisecond}
	assert.Equal(t, report.Summary{Statements: 7, Errors: 1, Warnings: 2, Hints: 1, DurationMS: 2500}, report.Summarize(in))
}

func TestJSONDiagnosticOutsideTheFiles(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	in := report.Input{Result: &lint.Result{Diagnostics: []rules.Diagnostic{{Rule: r, Path: "elsewhere.sql", Severity: rules.Hint}}}}
	m := jsonOf(t, in)
	d := m["diagnostics"].([]any)[0].(map[string]any)
	assert.Equal(t, "elsewhere.sql", d["file"])
	assert.InDelta(t, 0, d["line"], 0, "no position without the file's text")
}

// TestTextGroupsByStatementAndDirection checks the layout of the text
// report: the findings of one statement share one snippet, the findings
// in down migrations follow the ups under their own heading, a rule's own
// help and each fix title are printed at their first finding only (later
// fixable findings are marked [*]), and display-only fixes are left out.
func TestTextGroupsByStatementAndDirection(t *testing.T) {
	files := []source.File{
		{Path: "m/001_a.up.sql", Text: "CREATE INDEX i ON t (c);\n"},
		{Path: "m/001_a.down.sql", Text: "DROP INDEX i;\n"},
		{Path: "m/002_b.up.sql", Text: "CREATE INDEX j ON t (d);\nALTER TABLE t DROP COLUMN e;\n"},
		{Path: "m/002_b.down.sql", Text: "DROP INDEX j;\n"},
	}
	all := rules.All()
	var enabled []*rules.Rule
	for _, code := range []string{"PS001", "PS003", "PS027", "PS040"} {
		enabled = append(enabled, rules.Lookup(all, code))
	}
	res := lint.Run(files, lint.Options{Rules: enabled, Known: all, Tools: []tool.Setting{{Tool: tool.GolangMigrate, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}})
	got := text(t, report.Input{Result: res}, report.TextOptions{NoTiming: true})
	want := `m/001_a.up.sql:1:1: error[PS001] require-concurrent-index [*]: CREATE INDEX takes SHARE on t, which blocks writes for the whole index build
m/001_a.up.sql:1:1: warning[PS040] missing-lock-timeout [*]: waits for SHARE on t with no lock_timeout: queued behind any transaction already using the table, it blocks writes on t until it gets the lock
 1 | CREATE INDEX i ON t (c);
   | ^^^^^^^^^^^^^^^^^^^^^^^
  help[PS001]: build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS, outside a transaction; if the build fails, DROP INDEX CONCURRENTLY the invalid index and retry
  fix[PS001]: Build the index concurrently (safe)
  help[PS040]: set lock_timeout before the statement (SET LOCAL lock_timeout inside a transaction, SET lock_timeout outside one) and retry the migration when it times out
  fix[PS040]: Set lock_timeout for the session before the statement (safe)

m/002_b.up.sql:1:1: error[PS001] require-concurrent-index [*]: CREATE INDEX takes SHARE on t, which blocks writes for the whole index build
m/002_b.up.sql:1:1: warning[PS040] missing-lock-timeout [*]: waits for SHARE on t with no lock_timeout: queued behind any transaction already using the table, it blocks writes on t until it gets the lock
 1 | CREATE INDEX j ON t (d);
   | ^^^^^^^^^^^^^^^^^^^^^^^
  fix[PS040]: Set lock_timeout for the transaction before the statement (safe)

m/002_b.up.sql:2:1: warning[PS027] drop-column: dropping column e of t breaks code still running on the old schema (ORM column caches, SELECT *); it takes ACCESS EXCLUSIVE on t, which blocks reads and writes briefly
 2 | ALTER TABLE t DROP COLUMN e;
   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^
  help: first deploy code that no longer reads or writes the column (tell the ORM to ignore it), drop its indexes concurrently and its foreign keys, then drop the column with a lock_timeout

Down migrations (rollbacks): 4 findings

`
	assert.True(t, strings.HasPrefix(got, want), "got:\n%s", got)
	ups, downs, _ := strings.Cut(got, "Down migrations (rollbacks): 4 findings\n\n")
	require.NotEmpty(t, downs, "a heading for the down findings:\n%s", got)
	assert.NotContains(t, ups, ".down.sql")
	assert.NotContains(t, downs, ".up.sql")
	assert.Equal(t, 1, strings.Count(got, "help[PS001]:")+strings.Count(got, "help: build it"), "the rule's help once")
	assert.Equal(t, 3, strings.Count(ups, " | CREATE INDEX")+strings.Count(ups, " | DROP INDEX")+strings.Count(ups, " | ALTER TABLE"), "one snippet per up statement")
	assert.NotContains(t, downs, " | ", "the down findings are one line each")
	assert.Equal(t, 4, strings.Count(downs, ".down.sql:"), "every down finding is listed")
	assert.NotContains(t, got, "(display-only)", "PS027's display-only fix is left out")
}
