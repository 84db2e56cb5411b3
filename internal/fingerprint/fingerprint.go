// Package fingerprint gives each finding an identity that stays the same
// from run to run and survives edits elsewhere in its file: it depends on
// the rule, the file's path and the text of the statement, never on line
// numbers. Baselines and the CI report formats (GitLab, SARIF) use it.
package fingerprint

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/rules"
)

// Of returns one fingerprint per diagnostic of res, in the same order.
//
// A fingerprint hashes the rule's code, the file's path (through path,
// when not nil, then cleaned and slash-separated), the statement's text
// with each run of white space made one space, and the occurrence index of
// that triple among the diagnostics before it: the first finding of a rule
// on a given statement text is 0, the next 1. Moving a statement, or
// editing, adding or removing other statements, keeps it; changing the
// statement itself, renaming the file or renaming the rule's code does
// not. A finding outside any statement (a syntax error, a suppression
// comment) uses the text of the lines it covers.
func Of(res *lint.Result, path func(string) string) []string {
	files := make(map[string]*migration.File, len(res.Files))
	for _, f := range res.Files {
		files[f.Path] = f
	}
	seen := map[string]int{}
	out := make([]string, len(res.Diagnostics))
	for i, d := range res.Diagnostics {
		p := d.Path
		if path != nil {
			p = path(p)
		}
		key := d.Rule.Code + "\x00" + filepath.ToSlash(filepath.Clean(p)) + "\x00" + Normalize(statementText(files[d.Path], d))
		n := seen[key]
		seen[key] = n + 1
		sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d", key, n)))
		out[i] = hex.EncodeToString(sum[:16])
	}
	return out
}

// Normalize returns s with leading and trailing white space removed and
// every other run of white space made one space.
func Normalize(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// statementText returns the text of the statement that holds the start of
// d, or of the lines d covers when no statement does; "" when f is nil.
func statementText(f *migration.File, d rules.Diagnostic) string {
	if f == nil {
		return ""
	}
	for _, st := range f.Statements {
		if st.Extent.Start <= d.Span.Start && d.Span.Start < st.Extent.End {
			return st.Text(f.Text)
		}
	}
	first := f.Lines.Position(d.Span.Start).Line
	last := f.Lines.Position(d.Span.End).Line
	lines := make([]string, 0, last-first+1)
	for n := first; n <= last; n++ {
		lines = append(lines, f.Lines.Line(n))
	}
	return strings.Join(lines, "\n")
}
