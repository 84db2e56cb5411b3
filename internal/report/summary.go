package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/pgsafe/pgsafe/rewrite"
)

// Limits that keep a job summary under GitHub's 1 MiB per step.
const (
	// summaryRows is the most findings listed in the table.
	summaryRows = 500
	// summaryDiffBytes is the largest diff shown.
	summaryDiffBytes = 400 << 10
)

// GitHubSummary writes a Markdown job summary, for the file that
// GITHUB_STEP_SUMMARY names: the counts, a table of the findings, and the
// diff of fixes, the files with findings only. fixes is the outcome of
// rewrite.Fix over the same files with the same settings; nil leaves the
// diff out.
func GitHubSummary(w io.Writer, in Input, fixes *rewrite.Result, opts CIOptions) error {
	var b strings.Builder
	s := Summarize(in)
	b.WriteString("## pgsafe\n\n")
	read := fmt.Sprintf("in %s, %s", plural(s.Files, "file"), plural(s.Statements, "statement"))
	if len(in.Result.Diagnostics) == 0 {
		fmt.Fprintf(&b, "No findings %s", read)
	} else {
		fmt.Fprintf(&b, "**%s, %s, %s** %s", plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Hints, "hint"), read)
	}
	if s.Baselined > 0 {
		fmt.Fprintf(&b, "; %d more in the baseline", s.Baselined)
	}
	b.WriteString(".\n")
	if len(in.Errors) > 0 {
		b.WriteString("\nCould not read:\n\n")
		for _, err := range in.Errors {
			fmt.Fprintf(&b, "- %s\n", cell(err.Error()))
		}
	}
	writeFindingsTable(&b, in, opts)
	if err := writeFixDiff(&b, in, fixes); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFindingsTable writes one table row per finding, up to summaryRows.
func writeFindingsTable(b *strings.Builder, in Input, opts CIOptions) {
	if len(in.Result.Diagnostics) == 0 {
		return
	}
	files := filesByPath(in)
	b.WriteString("\n| Severity | Where | Rule | Finding |\n|---|---|---|---|\n")
	for i, d := range in.Result.Diagnostics {
		if i == summaryRows {
			fmt.Fprintf(b, "\n… and %d more findings: see the annotations or run `pgsafe lint`.\n", len(in.Result.Diagnostics)-summaryRows)
			break
		}
		where := opts.path(d.Path)
		if f := files[d.Path]; f != nil {
			pos := f.Lines.Position(d.Span.Start)
			where = fmt.Sprintf("%s:%d:%d", where, pos.Line, pos.Column)
		}
		fixNote := ""
		if len(d.Fixes) > 0 {
			fixNote = fmt.Sprintf("<br>fix (%s): %s", d.Fixes[0].Safety, cell(d.Fixes[0].Title))
		}
		estimate := ""
		if d.Impact != nil && d.Impact.Note != "" {
			estimate = "<br>production: " + cell(d.Impact.Note)
		}
		fmt.Fprintf(b, "| %s | `%s` | [%s](%s) %s | %s%s%s |\n",
			d.Severity, strings.ReplaceAll(where, "|", `\|`), d.Rule.Code, RuleURL(d.Rule.Code), cell(d.Rule.Name), cell(d.Message), estimate, fixNote)
	}
}

// writeFixDiff writes the diff of the files that have findings, and of
// the files their fixes create.
func writeFixDiff(b *strings.Builder, in Input, fixes *rewrite.Result) error {
	if fixes == nil {
		return nil
	}
	shown := map[string]bool{}
	for _, d := range in.Result.Diagnostics {
		shown[d.Path] = true
	}
	applied := 0
	for _, a := range fixes.Applied {
		if shown[a.Path] {
			applied++
			for _, nf := range a.NewFiles {
				shown[nf] = true
			}
		}
	}
	var diff strings.Builder
	changed := 0
	for _, f := range fixes.Files {
		if !shown[f.Path] || !f.Changed() {
			continue
		}
		changed++
		if err := f.Diff(&diff, rewrite.DiffOptions{}); err != nil {
			return err
		}
	}
	if changed == 0 {
		return nil
	}
	fmt.Fprintf(b, "\n### Fixes\n\n`pgsafe fix --write` rewrites %s with %s:\n\n", plural(changed, "file"), plural(applied, "fix"))
	if diff.Len() > summaryDiffBytes {
		fmt.Fprintf(b, "The diff is too large to show here (%d KiB); run `pgsafe fix` to see it.\n", diff.Len()>>10)
		return nil
	}
	fence := "```"
	for strings.Contains(diff.String(), fence) {
		fence += "`"
	}
	fmt.Fprintf(b, "%sdiff\n%s%s\n", fence, diff.String(), fence)
	return nil
}

// cell escapes text for a Markdown table cell: the characters that start
// HTML, pipes, and line breaks.
func cell(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\r\n", "<br>", "\n", "<br>").Replace(s)
}
