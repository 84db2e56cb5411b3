package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

func render(t *testing.T, fn func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, fn(&b))
	return b.String()
}

func TestGitHub(t *testing.T) {
	in := input(t, "db/001.sql", "-- add an index\nCREATE INDEX accounts_email_idx ON accounts (email);\n")
	got := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{}) })
	// The lines the fix rewrites end the message; the rule decides what
	// they hold besides the statement.
	assert.True(t, strings.HasPrefix(got, "::error file=db/001.sql,line=2,endLine=2,col=1,endColumn=52,title=PS001 require-concurrent-index::"+
		"CREATE INDEX takes SHARE on accounts, which blocks writes for the whole index build%0A%0A"+
		"help: build it with CREATE INDEX CONCURRENTLY IF NOT EXISTS, outside a transaction; if the build fails, DROP INDEX CONCURRENTLY the invalid index and retry%0A"+
		"fix (safe): Build the index concurrently%0A%0A"), got)
	assert.True(t, strings.HasSuffix(got, "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);\n"+
		"pgsafe: in 1 file, 1 statement: 1 error, 0 warnings, 0 hints\n"), got)
	assert.Equal(t, 2, strings.Count(got, "\n"), "one line per annotation, then the summary")
}

func TestGitHubEscaping(t *testing.T) {
	// A path with the property separators, and a table whose name holds
	// a percent sign, which the message repeats.
	in := input(t, "db/a,b:c.sql", "CREATE INDEX i ON \"50%\" (c);\n")
	got := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{}) })
	first := strings.SplitN(got, "\n", 2)[0]
	assert.True(t, strings.HasPrefix(first, "::error file=db/a%2Cb%3Ac.sql,line=1,"), first)
	assert.Contains(t, first, `,title=PS001 require-concurrent-index::CREATE INDEX takes SHARE on 50%25, which`)
	assert.NotContains(t, first, "\r")
	assert.Equal(t, 2, strings.Count(got, "\n"), "one line per annotation, then the summary")
}

func TestGitHubMultiLineFindingsHaveNoColumns(t *testing.T) {
	// One statement on one line, then one over three lines: GitHub drops
	// the columns of an annotation that spans lines, so it gets none.
	in := input(t, "db/001.sql", "CREATE INDEX a_idx ON a (c);\nCREATE INDEX b_idx\n  ON b\n  (c);\n")
	lines := strings.Split(render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{}) }), "\n")
	require.Len(t, lines, 4, "two annotations, the summary, and the empty rest")
	assert.True(t, strings.HasPrefix(lines[0], "::error file=db/001.sql,line=1,endLine=1,col=1,endColumn=28,title=PS001 "), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "::error file=db/001.sql,line=2,endLine=4,title=PS001 "), lines[1])
}

func TestGitHubSeveritiesAndErrors(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	in := report.Input{
		Result: &lint.Result{Diagnostics: []rules.Diagnostic{
			{Rule: r, Path: "a.sql", Severity: rules.Error, Message: "e"},
			{Rule: r, Path: "a.sql", Severity: rules.Warning, Message: "w"},
			{Rule: r, Path: "a.sql", Severity: rules.Hint, Message: "h\r\nnext"},
		}},
		Errors: []error{errors.New("b.sql: not valid UTF-8")},
	}
	got := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{PathPrefix: "svc/"}) })
	assert.Equal(t, "::error title=pgsafe::b.sql: not valid UTF-8\n"+
		"::error file=svc/a.sql,title=PS999 x::e\n"+
		"::warning file=svc/a.sql,title=PS999 x::w\n"+
		"::notice file=svc/a.sql,title=PS999 x::h%0D%0Anext\n"+
		"pgsafe: in 0 files, 0 statements: 1 error, 1 warning, 1 hint; 1 input could not be read\n", got)
}

func TestGitHubFixPreviewStaysInTheFile(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	text := "SELECT 1;\nCREATE INDEX i ON t (c);\n"
	f := migration.ReadSQL("a.sql", text)
	d := rules.Diagnostic{Rule: r, Path: "a.sql", Span: sqlparse.Span{Start: 10, End: 33}, Severity: rules.Error, Message: "m"}
	elsewhere := d
	elsewhere.Fixes = []rules.Fix{{Title: "Move it", Safety: rules.Safe, Edits: []rules.Edit{{Start: 10, End: 35}, {Path: "b.sql", NewText: "CREATE INDEX i ON t (c);\n"}}}}
	inPlace := d
	inPlace.Fixes = []rules.Fix{{Title: "Time out", Safety: rules.Safe, Edits: []rules.Edit{{Start: 10, End: 10, NewText: "SET lock_timeout = '1s';\n"}}}}
	apart := d
	apart.Fixes = []rules.Fix{{Title: "Wrap it", Safety: rules.Unsafe, Edits: []rules.Edit{
		{Start: 0, End: 0, NewText: "-- first\n"},
		{Start: 10, End: 22, NewText: "CREATE INDEX CONCURRENTLY"},
		{Start: 35, End: 35, NewText: "-- last\n"},
	}}}
	in := report.Input{Result: &lint.Result{Files: []*migration.File{f}, Diagnostics: []rules.Diagnostic{elsewhere, inPlace, apart}}}
	lines := strings.Split(render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{}) }), "\n")
	assert.True(t, strings.HasSuffix(lines[0], "::m%0Afix (safe): Move it"), "no preview when the fix writes another file: %s", lines[0])
	assert.True(t, strings.HasSuffix(lines[1], "::m%0Afix (safe): Time out%0A%0ASET lock_timeout = '1s';%0ACREATE INDEX i ON t (c);"), lines[1])
	assert.True(t, strings.HasSuffix(lines[2], "::m%0Afix (unsafe): Wrap it%0A%0A-- first%0ASELECT 1;%0ACREATE INDEX CONCURRENTLY i ON t (c);%0A-- last"),
		"adjacent lines make one block: %s", lines[2])
}

func TestGitHubFixPreviewLeavesOutUnchangedLines(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	text := "SELECT 1;\nSELECT 2;\nSELECT 3;\nSELECT 4;\n"
	f := migration.ReadSQL("a.sql", text)
	d := rules.Diagnostic{Rule: r, Path: "a.sql", Span: sqlparse.Span{Start: 30, End: 39}, Severity: rules.Error, Message: "m",
		Fixes: []rules.Fix{{Title: "Wrap it", Safety: rules.Safe, Edits: []rules.Edit{
			{Start: 0, End: 0, NewText: "BEGIN;\n"},
			{Start: 40, End: 40, NewText: "COMMIT;\n"},
		}}}}
	in := report.Input{Result: &lint.Result{Files: []*migration.File{f}, Diagnostics: []rules.Diagnostic{d}}}
	got := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{}) })
	assert.Contains(t, got, "::m%0Afix (safe): Wrap it%0A%0ABEGIN;%0ASELECT 1;%0A…%0ACOMMIT;\n")
}

func TestGitHubSummary(t *testing.T) {
	files := []source.File{
		{Path: "db/001.sql", Text: "CREATE INDEX i ON t (c);\n"},
		{Path: "db/002.sql", Text: "SELECT 1 | 2;\nCREATE INDEX j ON \"a|b\" (c);\n"},
		{Path: "db/003.sql", Text: "CREATE INDEX k ON t (c);\n"},
	}
	opts := lintOptions(t)
	res := lint.Run(files, opts)
	fixes, err := rewrite.Fix(files, opts, rewrite.Options{})
	require.NoError(t, err)
	// Only the findings of 002 are reported (say, the others are in a
	// baseline): the diff shows that file only.
	res.Diagnostics = res.Diagnostics[1:2]
	in := report.Input{Result: res, Baselined: 2}
	got := render(t, func(b *bytes.Buffer) error {
		return report.GitHubSummary(b, in, fixes, report.CIOptions{PathPrefix: "svc/"})
	})
	head, diff, found := strings.Cut(got, "```diff\n")
	require.True(t, found, got)
	want := "## pgsafe\n\n" +
		"**1 error, 0 warnings, 0 hints** in 3 files, 4 statements; 2 more in the baseline.\n\n" +
		"| Severity | Where | Rule | Finding |\n|---|---|---|---|\n" +
		"| error | `svc/db/002.sql:2:1` | [PS001](https://github.com/pgsafe/pgsafe/blob/main/docs/rules/PS001.md) require-concurrent-index | " +
		"CREATE INDEX takes SHARE on a\\|b, which blocks writes for the whole index build<br>fix (safe): Build the index concurrently |\n\n" +
		"### Fixes\n\n`pgsafe fix --write` rewrites 1 file with 1 fix:\n\n"
	assert.Equal(t, want, head)
	assert.True(t, strings.HasPrefix(diff, "--- a/db/002.sql\n+++ b/db/002.sql\n"), diff)
	assert.Contains(t, diff, "\n-CREATE INDEX j ON \"a|b\" (c);\n")
	assert.Contains(t, diff, "\n+CREATE INDEX CONCURRENTLY IF NOT EXISTS j ON \"a|b\" (c);\n")
	assert.NotContains(t, diff, "db/001.sql", "a file whose findings are not shown")
	assert.True(t, strings.HasSuffix(diff, "\n```\n"), diff)
}

func TestGitHubSummaryWithoutFindings(t *testing.T) {
	in := input(t, "a.sql", "SELECT 1;\n")
	in.Errors = []error{errors.New("b.sql: <binary>")}
	got := render(t, func(b *bytes.Buffer) error { return report.GitHubSummary(b, in, nil, report.CIOptions{}) })
	assert.Equal(t, "## pgsafe\n\nNo findings in 1 file, 1 statement.\n\nCould not read:\n\n- b.sql: &lt;binary&gt;\n", got)
}

func TestGitHubSummaryLimits(t *testing.T) {
	in := input(t, "a.sql", strings.Repeat("CREATE INDEX i ON t (c);\n", 502))
	got := render(t, func(b *bytes.Buffer) error { return report.GitHubSummary(b, in, nil, report.CIOptions{}) })
	assert.Equal(t, 500, strings.Count(got, "\n| error |"), "the table stops at 500 rows")
	assert.Contains(t, got, "… and 2 more findings")
}

// lintOptions enables the rules of input, for tests that lint and fix.
func lintOptions(t *testing.T) lint.Options {
	t.Helper()
	all := rules.All()
	var enabled []*rules.Rule
	for _, code := range []string{"PS000", "PS001", "PS900", "PS901"} {
		enabled = append(enabled, rules.Lookup(all, code))
	}
	return lint.Options{
		Rules: enabled, Known: all, Tools: []tool.Setting{{Tool: tool.Psql, Source: tool.FromFlag}},
		Rule: rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 1000},
	}
}

// sarifSchema compiles the SARIF 2.1.0 JSON schema in testdata, the one
// that Microsoft's SARIF Multitool (npm @microsoft/sarif-multitool-linux
// 5.7.0) ships as sarif-2.1.0.json, asserting formats such as uri.
func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-2.1.0.json"))
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://pgsafe.test/sarif-2.1.0.json"
	require.NoError(t, c.AddResource(url, doc))
	s, err := c.Compile(url)
	require.NoError(t, err)
	return s
}

// validSARIF checks that out is valid against the schema and returns it
// decoded.
func validSARIF(t *testing.T, schema *jsonschema.Schema, out string) map[string]any {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(doc), out)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	return m
}

func TestSARIFIsValid(t *testing.T) {
	schema := sarifSchema(t)
	for name, in := range map[string]report.Input{
		"findings":     input(t, "db/001 a.sql", "SELECT '😀'; CREATE INDEX i ON t (c);\n", "db/002.sql", "SELECT (\n"),
		"clean":        input(t, "a.sql", "SELECT 1;\n"),
		"empty":        {Result: &lint.Result{}, Errors: []error{errors.New("x.sql: no such file")}},
		"absolute":     input(t, "/srv/db/1.sql", "CREATE INDEX i ON t (c);\n"),
		"suppressions": input(t, "a.sql", "-- pgsafe:ignore require-concurrent-index\nSELECT 1;\n"),
	} {
		t.Run(name, func(t *testing.T) {
			in.Rules = lintOptions(t).Rules
			validSARIF(t, schema, render(t, func(b *bytes.Buffer) error {
				return report.SARIF(b, in, report.CIOptions{ToolVersion: "v1.2.3"})
			}))
		})
	}
}

func TestSARIFSchemaRejectsInvalidLogs(t *testing.T) {
	schema := sarifSchema(t)
	in := input(t, "a.sql", "CREATE INDEX i ON t (c);\n")
	out := render(t, func(b *bytes.Buffer) error { return report.SARIF(b, in, report.CIOptions{}) })
	for _, bad := range []string{
		strings.Replace(out, `"level": "error"`, `"level": "fatal"`, 1),
		strings.Replace(out, `"startLine": 1`, `"startLine": 0`, 1),
		strings.Replace(out, `"version": "2.1.0"`, `"version": "2.0.0"`, 1),
	} {
		require.NotEqual(t, out, bad)
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		require.NoError(t, err)
		assert.Error(t, schema.Validate(doc))
	}
}

// sarifResults returns the results of the only run of a SARIF log.
func sarifResults(t *testing.T, m map[string]any) []any {
	t.Helper()
	runs := m["runs"].([]any)
	require.Len(t, runs, 1)
	return runs[0].(map[string]any)["results"].([]any)
}

func TestSARIFContent(t *testing.T) {
	in := input(t, "db/001 a.sql", "SELECT '😀é'; CREATE INDEX i ON t (c);\n")
	in.Rules = lintOptions(t).Rules
	m := validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error {
		return report.SARIF(b, in, report.CIOptions{PathPrefix: "svc/", ToolVersion: "v1.2.3"})
	}))
	assert.Equal(t, "2.1.0", m["version"])
	run := m["runs"].([]any)[0].(map[string]any)
	assert.Equal(t, "utf16CodeUnits", run["columnKind"])
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	assert.Equal(t, "pgsafe", driver["name"])
	assert.Equal(t, "1.2.3", driver["version"], "a Go module version without its v")
	assert.Equal(t, "1.2.3", driver["semanticVersion"])
	ruleList := driver["rules"].([]any)
	require.Len(t, ruleList, 4, "the enabled rules")
	ps001 := ruleList[1].(map[string]any)
	assert.Equal(t, "PS001", ps001["id"])
	assert.Equal(t, "require-concurrent-index", ps001["name"])
	assert.Equal(t, "https://github.com/pgsafe/pgsafe/blob/main/docs/rules/PS001.md", ps001["helpUri"])
	help := ps001["help"].(map[string]any)
	assert.Contains(t, help["text"], "CREATE INDEX CONCURRENTLY")
	assert.True(t, strings.HasPrefix(help["markdown"].(string), "# PS001 require-concurrent-index\n"), "the rule's page")
	assert.Equal(t, map[string]any{"level": "error"}, ps001["defaultConfiguration"])
	assert.Equal(t, map[string]any{"fixAvailability": "sometimes"}, ps001["properties"])
	for _, r := range ruleList {
		code := r.(map[string]any)["id"].(string)
		want := string(rules.Lookup(rules.All(), code).FixAvailability)
		assert.Equal(t, want, r.(map[string]any)["properties"].(map[string]any)["fixAvailability"], code)
	}

	results := sarifResults(t, m)
	require.Len(t, results, 1)
	r := results[0].(map[string]any)
	assert.Equal(t, "PS001", r["ruleId"])
	assert.InDelta(t, 1, r["ruleIndex"], 0)
	assert.Equal(t, "error", r["level"])
	loc := r["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	assert.Equal(t, "svc/db/001%20a.sql", loc["artifactLocation"].(map[string]any)["uri"])
	// "SELECT '😀é'; " is 13 characters but 14 UTF-16 code units: the
	// emoji takes two.
	assert.Equal(t, map[string]any{"startLine": 1.0, "startColumn": 15.0, "endLine": 1.0, "endColumn": 38.0}, loc["region"])
	assert.Len(t, r["partialFingerprints"].(map[string]any)["pgsafe/v1"], 32)
	assert.Equal(t, map[string]any{"lock": "SHARE", "table": "t"}, r["properties"])

	fix := r["fixes"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"text": "Build the index concurrently (safe)"}, fix["description"])
	changes := fix["artifactChanges"].([]any)
	require.Len(t, changes, 1)
	change := changes[0].(map[string]any)
	assert.Equal(t, "svc/db/001%20a.sql", change["artifactLocation"].(map[string]any)["uri"])
	// The fix replaces only the bytes that change: "CREATE INDEX", at
	// UTF-16 columns 15 to 27, becomes the rule's note on a line of its own
	// (the statement shares its line) and "CREATE INDEX CONCURRENTLY IF
	// NOT EXISTS".
	reps := change["replacements"].([]any)
	require.Len(t, reps, 1)
	rep := reps[0].(map[string]any)
	assert.Equal(t, map[string]any{"startLine": 1.0, "startColumn": 15.0, "endLine": 1.0, "endColumn": 27.0, "charOffset": 14.0, "charLength": 12.0}, rep["deletedRegion"])
	inserted := rep["insertedContent"].(map[string]any)["text"].(string)
	assert.True(t, strings.HasPrefix(inserted, "\n-- pgsafe: "), inserted)
	assert.True(t, strings.HasSuffix(inserted, "\nCREATE INDEX CONCURRENTLY IF NOT EXISTS"), inserted)
}

func TestSARIFByteOrderMark(t *testing.T) {
	// psql skips the mark, and so do columns; a finding at the file's
	// first byte, inside the mark, is at column 1 too.
	in := input(t, "a.sql", sqlparse.BOM+"CREATE INDEX i ON t (c);\n")
	require.Len(t, in.Result.Diagnostics, 1)
	at0 := in.Result.Diagnostics[0]
	at0.Span = sqlparse.Span{}
	in.Result.Diagnostics = append(in.Result.Diagnostics, at0)
	m := validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error { return report.SARIF(b, in, report.CIOptions{}) }))
	results := sarifResults(t, m)
	require.Len(t, results, 2)
	region := func(i int) any {
		return results[i].(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"]
	}
	assert.Equal(t, map[string]any{"startLine": 1.0, "startColumn": 1.0, "endLine": 1.0, "endColumn": 24.0}, region(0))
	assert.Equal(t, map[string]any{"startLine": 1.0, "startColumn": 1.0, "endLine": 1.0, "endColumn": 1.0}, region(1))
}

func TestSARIFDevelopmentVersion(t *testing.T) {
	in := input(t, "a.sql", "SELECT 1;\n")
	m := validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error {
		return report.SARIF(b, in, report.CIOptions{ToolVersion: "(devel)"})
	}))
	driver := m["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)
	assert.Equal(t, "(devel)", driver["version"])
	assert.NotContains(t, driver, "semanticVersion")
}

func TestSARIFFixAcrossFiles(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x", Severity: rules.Hint}
	text := "SELECT 1;\nCREATE INDEX ä ON t (c);\n"
	f := migration.ReadSQL("a.sql", text)
	d := rules.Diagnostic{Rule: r, Path: "a.sql", Span: sqlparse.Span{Start: 10, End: 34}, Severity: rules.Hint, Message: "m",
		Fixes: []rules.Fix{
			{Title: "Think", Safety: rules.DisplayOnly},
			{Title: "Move it", Safety: rules.Unsafe, Edits: []rules.Edit{
				{Start: 10, End: 36},
				{Path: "a.sql.new", NewText: "CREATE INDEX ä ON t (c);\n"},
			}},
		}}
	in := report.Input{Result: &lint.Result{Files: []*migration.File{f}, Diagnostics: []rules.Diagnostic{d}}}
	m := validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error { return report.SARIF(b, in, report.CIOptions{}) }))
	res := sarifResults(t, m)[0].(map[string]any)
	assert.Equal(t, "note", res["level"])
	fixes := res["fixes"].([]any)
	require.Len(t, fixes, 1, "the first fix that can be applied; display-only ones cannot")
	fix := fixes[0].(map[string]any)
	assert.Equal(t, "Move it (unsafe)", fix["description"].(map[string]any)["text"])
	changes := fix["artifactChanges"].([]any)
	require.Len(t, changes, 2)
	assert.Equal(t, map[string]any{
		"artifactLocation": map[string]any{"uri": "a.sql"},
		"replacements": []any{map[string]any{
			"deletedRegion": map[string]any{"startLine": 2.0, "startColumn": 1.0, "endLine": 3.0, "endColumn": 1.0, "charOffset": 10.0, "charLength": 25.0},
		}},
	}, changes[0], "a deletion: ä is two bytes, one code unit")
	assert.Equal(t, map[string]any{
		"artifactLocation": map[string]any{"uri": "a.sql.new"},
		"replacements": []any{map[string]any{
			"deletedRegion":   map[string]any{"startLine": 1.0, "startColumn": 1.0, "endLine": 1.0, "endColumn": 1.0, "charOffset": 0.0, "charLength": 0.0},
			"insertedContent": map[string]any{"text": "CREATE INDEX ä ON t (c);\n"},
		}},
	}, changes[1], "a new file starts empty")
}

func TestGitLab(t *testing.T) {
	in := input(t, "db/001.sql", "SELECT 1;\nCREATE INDEX i ON t (c);\nCREATE INDEX i ON t (c);\n")
	r := &rules.Rule{Code: "PS999", Name: "x"}
	in.Result.Diagnostics = append(in.Result.Diagnostics,
		rules.Diagnostic{Rule: r, Path: "db/001.sql", Severity: rules.Warning, Message: "w"},
		rules.Diagnostic{Rule: r, Path: "db/001.sql", Severity: rules.Hint, Message: "h"})
	var issues []map[string]any
	out := render(t, func(b *bytes.Buffer) error { return report.GitLab(b, in, report.CIOptions{PathPrefix: "svc/"}) })
	require.NoError(t, json.Unmarshal([]byte(out), &issues))
	require.Len(t, issues, 4)
	assert.Equal(t, map[string]any{
		"description": "PS001 require-concurrent-index: CREATE INDEX takes SHARE on t, which blocks writes for the whole index build",
		"check_name":  "PS001",
		"fingerprint": issues[0]["fingerprint"],
		"severity":    "critical",
		"location":    map[string]any{"path": "svc/db/001.sql", "lines": map[string]any{"begin": 2.0}},
	}, issues[0])
	assert.Equal(t, 3.0, issues[1]["location"].(map[string]any)["lines"].(map[string]any)["begin"])
	assert.Equal(t, "major", issues[2]["severity"])
	assert.Equal(t, "minor", issues[3]["severity"])
	seen := map[any]bool{}
	for _, is := range issues {
		seen[is["fingerprint"]] = true
	}
	assert.Len(t, seen, 4, "fingerprints are unique within a report, even for repeated statements")
	assert.Equal(t, out, render(t, func(b *bytes.Buffer) error { return report.GitLab(b, in, report.CIOptions{PathPrefix: "svc/"}) }), "and the same from run to run")

	empty := render(t, func(b *bytes.Buffer) error {
		return report.GitLab(b, report.Input{Result: &lint.Result{}}, report.CIOptions{})
	})
	assert.Equal(t, "[]\n", empty)
}

func TestCIPaths(t *testing.T) {
	r := &rules.Rule{Code: "PS999", Name: "x"}
	for _, tt := range []struct{ prefix, path, want string }{
		{"", "./db//1.sql", "db/1.sql"},
		{"svc/", "db/1.sql", "svc/db/1.sql"},
		{"svc/", "../shared/1.sql", "shared/1.sql"},
		{"svc/", "/abs/1.sql", "/abs/1.sql"},
	} {
		in := report.Input{Result: &lint.Result{Diagnostics: []rules.Diagnostic{{Rule: r, Path: tt.path, Severity: rules.Hint}}}}
		out := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, report.CIOptions{PathPrefix: tt.prefix}) })
		assert.True(t, strings.HasPrefix(out, fmt.Sprintf("::notice file=%s,", tt.want)), "%q under %q: %s", tt.path, tt.prefix, out)
	}
}

func TestCIPathsInsideTheRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "project")
	r := &rules.Rule{Code: "PS999", Name: "x"}
	for _, tt := range []struct{ path, want string }{
		{filepath.Join(root, "db", "1.sql"), "db/1.sql"},
		{filepath.Join(root, "db", "..", "svc", "1.sql"), "svc/1.sql"},
		{filepath.Join(root+"-other", "1.sql"), filepath.ToSlash(root) + "-other/1.sql"},
		{filepath.Join(filepath.Dir(root), "1.sql"), filepath.ToSlash(filepath.Dir(root)) + "/1.sql"},
		{"db/1.sql", "svc/db/1.sql"},
	} {
		in := report.Input{Result: &lint.Result{Diagnostics: []rules.Diagnostic{{Rule: r, Path: tt.path, Severity: rules.Hint}}}}
		opts := report.CIOptions{PathPrefix: "svc/", Root: root}
		var issues []struct {
			Location struct {
				Path string `json:"path"`
			} `json:"location"`
		}
		require.NoError(t, json.Unmarshal([]byte(render(t, func(b *bytes.Buffer) error { return report.GitLab(b, in, opts) })), &issues))
		require.Len(t, issues, 1)
		assert.Equal(t, tt.want, issues[0].Location.Path, "gitlab: %s", tt.path)
		out := render(t, func(b *bytes.Buffer) error { return report.GitHub(b, in, opts) })
		assert.True(t, strings.HasPrefix(out, "::notice file="+tt.want+","), "github: %s", out)
		uri := tt.want
		if path.IsAbs(uri) {
			uri = "file://" + uri // SARIF names a file outside the checkout by its URI
		}
		out = render(t, func(b *bytes.Buffer) error { return report.SARIF(b, in, opts) })
		assert.Contains(t, out, `"uri": "`+uri+`"`, "sarif: %s", tt.path)
	}
}

// TestSARIFRelatedLocations checks that the statements a finding names
// (rules.Diagnostic.Related) become its related locations, each with its
// message, valid against the schema.
func TestSARIFRelatedLocations(t *testing.T) {
	text := "SELECT 1;\nCREATE INDEX i ON t (c);\n"
	in := input(t, "db/1.sql", text)
	require.Len(t, in.Result.Diagnostics, 1)
	in.Result.Diagnostics[0].Related = []rules.Related{{Span: sqlparse.Span{Start: 0, End: len("SELECT 1")}, Message: "the statement before"}}
	m := validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error {
		return report.SARIF(b, in, report.CIOptions{})
	}))
	r := sarifResults(t, m)[0].(map[string]any)
	related := r["relatedLocations"].([]any)
	require.Len(t, related, 1)
	loc := related[0].(map[string]any)
	assert.InDelta(t, 1, loc["id"], 0)
	assert.Equal(t, map[string]any{"text": "the statement before"}, loc["message"])
	phys := loc["physicalLocation"].(map[string]any)
	assert.Equal(t, "db/1.sql", phys["artifactLocation"].(map[string]any)["uri"])
	assert.Equal(t, map[string]any{"startLine": 1.0, "startColumn": 1.0, "endLine": 1.0, "endColumn": 9.0}, phys["region"])
	_, plain := sarifResults(t, validSARIF(t, sarifSchema(t), render(t, func(b *bytes.Buffer) error {
		return report.SARIF(b, input(t, "db/1.sql", text), report.CIOptions{})
	})))[0].(map[string]any)["relatedLocations"]
	assert.False(t, plain, "no related locations without related statements")
}
