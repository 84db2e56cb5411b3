package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/rewrite"
	"github.com/pgsafe/pgsafe/rules"
)

// GitHub writes findings as GitHub Actions workflow commands, which the
// runner turns into annotations on the lines of the pull request:
//
//	::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=T::message
//
// The command is error, warning or notice (for hints). The title names the
// rule; the message holds what goes wrong, the help, and each fix, with
// the rewritten lines of the first one when its edits stay in the file.
// Columns count characters, as in the text report, and are given only for
// a finding on one line: GitHub ignores them on an annotation that spans
// several. Inputs that could not
// be read become errors without a file, and the text report's summary line
// closes the output.
func GitHub(w io.Writer, in Input, opts CIOptions) error {
	files := filesByPath(in)
	var b strings.Builder
	for _, err := range in.Errors {
		fmt.Fprintf(&b, "::error title=%s::%s\n", escapeProperty("pgsafe"), escapeData(err.Error()))
	}
	for _, d := range in.Result.Diagnostics {
		props := []string{"file=" + escapeProperty(opts.path(d.Path))}
		f := files[d.Path]
		if f != nil {
			start, end := f.Lines.Position(d.Span.Start), f.Lines.Position(d.Span.End)
			props = append(props, fmt.Sprintf("line=%d", start.Line), fmt.Sprintf("endLine=%d", end.Line))
			// The runner drops an annotation's columns unless it stays on
			// one line, so a multi-line one names its lines alone.
			if start.Line == end.Line {
				props = append(props, fmt.Sprintf("col=%d", start.Column), fmt.Sprintf("endColumn=%d", end.Column))
			}
		}
		props = append(props, "title="+escapeProperty(d.Rule.Code+" "+d.Rule.Name))
		fmt.Fprintf(&b, "::%s %s::%s\n", githubCommand(d.Severity), strings.Join(props, ","), escapeData(annotationText(f, d)))
	}
	b.WriteString(summaryLine(in, newPalette(false), true))
	_, err := io.WriteString(w, b.String())
	return err
}

// GitHubWarning writes message as a warning workflow command without a
// file, which the runner shows as an annotation of the job: for a problem
// of the run itself that does not fail it.
func GitHubWarning(w io.Writer, message string) error {
	_, err := fmt.Fprintf(w, "::warning title=%s::%s\n", escapeProperty("pgsafe"), escapeData(message))
	return err
}

// githubCommand returns the workflow command for a severity.
func githubCommand(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	default:
		return "notice"
	}
}

// annotationText returns the message of an annotation: the finding, what
// it would cost on production (with a snapshot), its help, and its fixes, the first with the lines it rewrites.
func annotationText(f *migration.File, d rules.Diagnostic) string {
	var b strings.Builder
	b.WriteString(d.Message)
	if d.Impact != nil && d.Impact.Note != "" {
		b.WriteString("\n\nproduction: " + d.Impact.Note)
	}
	if help := helpOf(d); help != "" {
		b.WriteString("\n\nhelp: " + help)
	}
	for i, fx := range d.Fixes {
		fmt.Fprintf(&b, "\nfix (%s): %s", fx.Safety, fx.Title)
		if i > 0 {
			continue
		}
		if lines, ok := rewrittenLines(f, d, fx); ok {
			b.WriteString("\n\n" + lines)
		}
	}
	return b.String()
}

// helpOf returns the finding's help, or its rule's when it has none.
func helpOf(d rules.Diagnostic) string {
	if d.Help != "" {
		return d.Help
	}
	return d.Rule.Doc.Help
}

// rewrittenLines returns the lines of f that fx's edits touch, as they
// read once the edits are applied: one block per run of adjacent touched
// lines, blocks separated by a line "…" where unchanged lines are left
// out. It reports false when there is nothing to show: no file, no edits,
// a display-only fix, or edits that reach into other files.
func rewrittenLines(f *migration.File, d rules.Diagnostic, fx rules.Fix) (string, bool) {
	if f == nil || len(fx.Edits) == 0 || fx.Safety == rules.DisplayOnly {
		return "", false
	}
	edits := append([]rules.Edit(nil), fx.Edits...)
	for _, e := range edits {
		if (e.Path != "" && e.Path != d.Path) || e.Start > e.End || e.End > len(f.Text) {
			return "", false
		}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	var blocks []string
	for i := 0; i < len(edits); {
		from, to := lineStart(f.Text, edits[i].Start), lineEnd(f.Text, edits[i].End)
		j := i + 1
		for j < len(edits) && lineStart(f.Text, edits[j].Start) <= to+1 {
			to = max(to, lineEnd(f.Text, edits[j].End))
			j++
		}
		group := make([]rules.Edit, 0, j-i)
		for _, e := range edits[i:j] {
			e.Start, e.End = e.Start-from, e.End-from
			group = append(group, e)
		}
		text, err := rewrite.ApplyEdits(f.Text[from:to], group)
		if err != nil {
			return "", false
		}
		blocks = append(blocks, strings.TrimRight(text, "\r\n"))
		i = j
	}
	return strings.Join(blocks, "\n…\n"), true
}

// lineStart returns the offset of the start of the line that holds off.
func lineStart(text string, off int) int {
	return strings.LastIndexByte(text[:off], '\n') + 1
}

// lineEnd returns the offset of the line break that ends the line holding
// off, or the text's length on the last line.
func lineEnd(text string, off int) int {
	if i := strings.IndexByte(text[off:], '\n'); i >= 0 {
		return off + i
	}
	return len(text)
}

// filesByPath indexes the files of in by path: the migrations and the
// application query files, where findings are placed too.
func filesByPath(in Input) map[string]*migration.File {
	files := make(map[string]*migration.File, len(in.Result.Files)+len(in.Result.Queries))
	for _, f := range append(append([]*migration.File{}, in.Result.Files...), in.Result.Queries...) {
		files[f.Path] = f
	}
	return files
}

// escapeData escapes a workflow command's message as GitHub's toolkit
// does: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as
// escapeData, and also : and , which separate properties.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
