package corpus_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// allRules returns lint options with every rule enabled, as the CLI's
// defaults set them.
func allRules() lint.Options {
	all := rules.All()
	return lint.Options{
		Rules: all,
		Known: all,
		Rule:  rules.Options{PGVersion: 15, LockTimeout: "2s", BatchSize: 10000},
	}
}

// hydraOptions are allRules as Hydra's operators would set them: popx
// runs the migrations, which nothing in the folder says.
func hydraOptions() lint.Options {
	opts := allRules()
	opts.Tools = []tool.Setting{{Tool: tool.Popx, Source: tool.FromConfig}}
	return opts
}

// TestCorpusParses parses every .sql file of the corpus on its own: each
// file that PARSE_FAILURES.tsv says fails must fail at a line its category
// explains, and every other file must parse.
func TestCorpusParses(t *testing.T) {
	dir := corpus.Locate(t)
	paths, err := corpus.Files(dir)
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	failures, err := corpus.Failures(dir)
	require.NoError(t, err)
	listed := map[string]corpus.Failure{}
	for _, f := range failures {
		listed[f.Path] = f
	}
	onDisk := map[string]bool{}
	for _, p := range paths {
		onDisk[p] = true
	}
	for _, f := range failures {
		assert.True(t, onDisk[f.Path], "PARSE_FAILURES.tsv lists %s, which is not in the corpus", f.Path)
	}

	counts := map[string]int{}
	parsed := 0
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		require.NoError(t, err)
		text := string(b)
		res := sqlparse.Parse(text)
		f, isListed := listed[p]
		if !isListed || f.Parses {
			if assert.Nil(t, res.Err, "%s should parse", p) {
				parsed++
				sameSpansWhenScanned(t, p, text, res)
			} else {
				pos := sqlparse.NewLines(text).Position(res.Err.Offset)
				t.Logf("%s:%d:%d: %s", p, pos.Line, pos.Column, res.Err.Message)
			}
			continue
		}
		if !assert.NotNil(t, res.Err, "%s is listed as failing to parse (%s), but parses", p, f.Category) {
			continue
		}
		counts[f.Category]++
		if why := explainError(f.Category, text, res.Err); why != "" {
			lines := sqlparse.NewLines(text)
			pos := lines.Position(res.Err.Offset)
			t.Errorf("%s:%d:%d: %s: %s\n\tline: %q", p, pos.Line, pos.Column, res.Err.Message, why, lines.Line(pos.Line))
		}
	}
	t.Logf("corpus: %d .sql files; %d parse; %d fail as listed: %s", len(paths), parsed, len(paths)-parsed, formatCounts(counts))
}

// sameSpansWhenScanned checks, for a text without comments (whose spans
// come from trimming whitespace), that a comment added at its end, which
// makes Parse use the scanner's tokens, leaves the spans as they were.
func sameSpansWhenScanned(t *testing.T, path, text string, res *sqlparse.Result) {
	t.Helper()
	if strings.Contains(text, "--") || strings.Contains(text, "/*") {
		return
	}
	scanned := sqlparse.Parse(text + "\n/* end */")
	require.Nil(t, scanned.Err, path)
	require.Len(t, scanned.Statements, len(res.Statements), path)
	for i, s := range res.Statements {
		assert.Equal(t, scanned.Statements[i].Span, s.Span, "%s: statement %d", path, i)
	}
}

// explainError returns "" when the syntax error sits where its category
// says it should, and otherwise what is wrong.
func explainError(category, text string, err *sqlparse.SyntaxError) string {
	lines := sqlparse.NewLines(text)
	line := lines.Line(lines.Position(err.Offset).Line)
	start, end := segment(text, err.Offset)
	seg := text[start:end]
	// The parser stops at the first statement it cannot read, so all the
	// text before the statement holding the error parses.
	if perr := sqlparse.Parse(text[:start]).Err; perr != nil {
		return "the text before the statement holding the error does not parse either: " + perr.Message
	}
	switch category {
	case "go-template":
		if !strings.Contains(line, "{{") && !strings.Contains(seg, "{{") {
			return "neither the error line nor its statement holds a {{ placeholder"
		}
		if !strings.Contains(err.Hint, "Go-template") {
			return "no hint about the Go-template placeholders"
		}
	case "genuine-syntax-error":
		// INSERT ... VALUES uuid_generate_v4(), ... lacks its opening paren.
		if !strings.Contains(line, "uuid_generate_v4(),") {
			return "the error is not on the VALUES line with uuid_generate_v4(),"
		}
	case "pg-regress":
		// A psql meta-command, or a statement PostgreSQL rejects on its own
		// (the regression tests' deliberate errors, COPY data).
		if strings.HasPrefix(strings.TrimSpace(line), `\`) {
			return ""
		}
		if sqlparse.Parse(seg).Err == nil {
			return "the statement around the error parses on its own: " + abbreviate(seg)
		}
	default:
		return "unknown category " + category
	}
	return ""
}

// segment returns the byte range around off from just after the
// semicolon before it through the semicolon after it (or the ends of the
// text): the statement in which the error lies, when no quoted ';'
// intervenes.
func segment(text string, off int) (start, end int) {
	start = strings.LastIndexByte(text[:off], ';') + 1
	end = len(text)
	if i := strings.IndexByte(text[off:], ';'); i >= 0 {
		end = off + i + 1
	}
	return start, end
}

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

func formatCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// TestCorpusLints lints each project of the corpus as one migration set
// with every rule: nothing panics, every finding lies inside its file,
// syntax errors are reported exactly for the files that do not parse, at
// the parser's offset, and both renderers accept the result.
func TestCorpusLints(t *testing.T) {
	dir := corpus.Locate(t)
	failures, err := corpus.Failures(dir)
	require.NoError(t, err)
	failing := map[string]bool{}
	for _, f := range failures {
		failing[f.Path] = !f.Parses
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			rel := func(p string) string {
				r, err := filepath.Rel(dir, p)
				require.NoError(t, err)
				return filepath.ToSlash(r)
			}
			files, errs := source.Load([]string{filepath.Join(dir, e.Name())}, source.Options{})
			require.NotEmpty(t, files)
			// Only files that are not UTF-8 (a Windows-1252 regression test)
			// may fail to load; they must also be listed as failing to parse.
			var wantErrs, gotErrs []string
			all, err := corpus.Files(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			for _, p := range all {
				b, err := os.ReadFile(filepath.Join(dir, e.Name(), filepath.FromSlash(p)))
				require.NoError(t, err)
				if !utf8.Valid(b) {
					wantErrs = append(wantErrs, e.Name()+"/"+p)
				}
			}
			for _, err := range errs {
				var se *source.Error
				require.ErrorAs(t, err, &se)
				assert.Contains(t, err.Error(), "not valid UTF-8")
				gotErrs = append(gotErrs, rel(se.Path))
				assert.True(t, failing[rel(se.Path)], "%s does not load but is not listed as failing to parse", rel(se.Path))
			}
			sort.Strings(wantErrs)
			sort.Strings(gotErrs)
			assert.Equal(t, wantErrs, gotErrs, "files that fail to load")

			res := lint.Run(files, allRules())
			require.Equal(t, len(files), len(res.Files)+len(res.Skipped), "every file is linted or skipped with a reason")
			texts := map[string]string{}
			for _, f := range res.Files {
				texts[f.Path] = f.Text
			}
			syntax := map[string]int{} // file -> offset of its syntax-error finding
			byRule := map[string]int{}
			for _, d := range res.Diagnostics {
				byRule[d.Rule.Name]++
				text, ok := texts[d.Path]
				if !assert.True(t, ok, "finding for %s, which was not linted", d.Path) {
					continue
				}
				assert.True(t, 0 <= d.Span.Start && d.Span.Start <= d.Span.End && d.Span.End <= len(text),
					"%s: %s span %v outside the file (%d bytes)", d.Path, d.Rule.Code, d.Span, len(text))
				if d.Rule.Name == "syntax-error" {
					_, dup := syntax[d.Path]
					assert.False(t, dup, "%s: two syntax errors", d.Path)
					syntax[d.Path] = d.Span.Start
				}
			}
			for _, f := range res.Files {
				p := rel(f.Path)
				off, reported := syntax[f.Path]
				if !failing[p] {
					assert.False(t, reported, "%s: syntax error reported for a file that parses", p)
					assert.Nil(t, f.SyntaxError, p)
					continue
				}
				if assert.True(t, reported, "%s: no syntax error reported", p) {
					assert.Equal(t, sqlparse.Parse(f.Text).Err.Offset, off, "%s: syntax error offset", p)
				}
			}

			in := report.Input{Result: res}
			require.NoError(t, report.JSON(io.Discard, in))
			require.NoError(t, report.Text(io.Discard, in, report.TextOptions{NoTiming: true}))
			t.Logf("%d files linted, %d skipped, %d not loaded, %d statements, %d findings: %s",
				len(res.Files), len(res.Skipped), len(errs), res.Statements, len(res.Diagnostics), formatCounts(byRule))
		})
	}
}
