package report

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/fatih/color"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// TextOptions configure the text renderer.
type TextOptions struct {
	Color bool
	// NoTiming leaves the duration out of the summary line, for stable
	// golden output.
	NoTiming bool
	// Quiet leaves out everything but the findings and the inputs that
	// could not be read: the lines saying which tool read each folder,
	// and the summary.
	Quiet bool
}

type palette struct {
	err, warn, hint, bold, dim, caret *color.Color
}

func newPalette(on bool) palette {
	mk := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	return palette{
		err: mk(color.FgRed, color.Bold), warn: mk(color.FgYellow, color.Bold), hint: mk(color.FgCyan, color.Bold),
		bold: mk(color.Bold), dim: mk(color.FgBlue), caret: mk(color.FgRed),
	}
}

func (p palette) severity(s rules.Severity) *color.Color {
	switch s {
	case rules.Error:
		return p.err
	case rules.Warning:
		return p.warn
	default:
		return p.hint
	}
}

// Text writes the findings of each statement together: a line per finding
// (file:line:col, severity, code and name, message), the statement's
// source line once with the span underlined, then each finding's help and
// the fixes that pgsafe fix can apply. The findings in up migrations come
// first; those in down migrations follow under a heading of their own,
// one line each (a rollback is read after the change it undoes; the JSON,
// SARIF and concise reports carry the same findings). Then a summary
// line.
//
// A rule's own advice (its documentation's help) is printed at its first
// finding only, since it is the same for every finding of the rule; help
// written for one finding is printed with it. Likewise a fix is printed
// where its title first appears for its rule; every finding that pgsafe
// fix can fix carries "[*]" after its code, as in ruff. Display-only
// fixes are advice too, which the help already gives: they are left to
// the JSON, SARIF and fix reports.
func Text(w io.Writer, in Input, opts TextOptions) error {
	p := newPalette(opts.Color)
	files := filesByPath(in)
	var b strings.Builder
	helped := map[string]bool{} // rules' own helps and fix titles printed, by rule code and text
	for _, err := range in.Errors {
		fmt.Fprintf(&b, "%s %s\n", p.err.Sprint("error:"), err)
	}
	ups, downs := byStatement(in.Result.Diagnostics, files)
	for _, g := range ups {
		writeGroup(&b, p, files[g[0].Path], g, helped)
	}
	if len(downs) > 0 {
		n := 0
		for _, g := range downs {
			n += len(g)
		}
		fmt.Fprintf(&b, "%s\n\n", p.bold.Sprintf("Down migrations (rollbacks): %s", plural(n, "finding")))
		for _, g := range downs {
			writeHeaders(&b, p, files[g[0].Path], g)
		}
		b.WriteByte('\n')
	}
	if !opts.Quiet {
		for _, fo := range in.Result.Folders {
			b.WriteString(folderLine(fo, p))
		}
		b.WriteString(summaryLine(in, p, opts.NoTiming))
	}
	out := b.String()
	if opts.Quiet {
		// No summary after the last finding to keep apart from it.
		if strings.HasSuffix(out, "\n\n") {
			out = out[:len(out)-1]
		}
	}
	_, err := io.WriteString(w, out)
	return err
}

// byStatement returns the findings of ds that belong to a file of the
// run, in groups of those on one statement (or, outside every statement,
// at one place), in their order: first the groups in up migrations, then
// those in down migrations.
func byStatement(ds []rules.Diagnostic, files map[string]*migration.File) (ups, downs [][]rules.Diagnostic) {
	type key struct {
		path string
		at   int // the statement's start, or the finding's outside one
	}
	var last key
	var groups *[][]rules.Diagnostic
	for _, d := range ds {
		f := files[d.Path]
		if f == nil {
			continue
		}
		k := key{d.Path, d.Span.Start}
		i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Span.End > d.Span.Start })
		if i < len(f.Statements) && f.Statements[i].Span.Start <= d.Span.Start {
			k.at = f.Statements[i].Span.Start
		}
		into := &ups
		if d.Down {
			into = &downs
		}
		if into == groups && k == last && len(*into) > 0 {
			g := &(*into)[len(*into)-1]
			*g = append(*g, d)
			continue
		}
		*into = append(*into, []rules.Diagnostic{d})
		groups, last = into, k
	}
	return ups, downs
}

// writeHeaders writes the first line of each finding of g, in file f:
// place, severity and code, name (with "[*]" when pgsafe fix can fix
// it) and message.
func writeHeaders(b *strings.Builder, p palette, f *migration.File, g []rules.Diagnostic) {
	for _, d := range g {
		pos := f.Lines.Position(d.Span.Start)
		mark := ""
		if fixable(d) {
			mark = " [*]"
		}
		fmt.Fprintf(b, "%s %s %s %s\n",
			p.bold.Sprintf("%s:%d:%d:", d.Path, pos.Line, pos.Column),
			p.severity(d.Severity).Sprintf("%s[%s]", d.Severity, d.Rule.Code),
			p.bold.Sprintf("%s%s:", d.Rule.Name, mark), d.Message)
	}
}

// writeGroup writes the findings g of one statement of f: a line for
// each, the source once, then the help and applicable fixes of each, each
// marked with its rule's code when there are several. helped holds the
// helps and fix titles printed already, by rule, and gains those it
// prints.
func writeGroup(b *strings.Builder, p palette, f *migration.File, g []rules.Diagnostic, helped map[string]bool) {
	writeHeaders(b, p, f, g)
	span := g[0].Span
	for _, d := range g {
		if d.Span.Start < span.Start {
			span = d.Span
		}
	}
	writeSnippet(b, p, f, span, f.Lines.Position(span.Start))
	writeEstimates(b, p, g)
	for _, d := range g {
		label := ""
		if len(g) > 1 {
			label = "[" + d.Rule.Code + "]"
		}
		help := d.Help
		if key := d.Rule.Code + "\x00help"; help == "" && !helped[key] {
			help = d.Rule.Doc.Help
			helped[key] = true
		}
		if help != "" {
			fmt.Fprintf(b, "  %s %s\n", p.dim.Sprint("help"+label+":"), help)
		}
		for _, fx := range d.Fixes {
			key := d.Rule.Code + "\x00fix\x00" + fx.Title + "\x00" + string(fx.Safety)
			if fx.Safety != rules.DisplayOnly && !helped[key] {
				helped[key] = true
				fmt.Fprintf(b, "  %s %s (%s)\n", p.dim.Sprint("fix"+label+":"), fx.Title, fx.Safety)
			}
		}
	}
	b.WriteByte('\n')
}

// writeEstimates writes what the locks of the findings g of one
// statement would cost on production (lint --stats), once for findings
// that say the same: the findings of a statement on one table share the
// figures, and differ at most in the reason one became a hint.
func writeEstimates(b *strings.Builder, p palette, g []rules.Diagnostic) {
	var notes []string
	for _, d := range g {
		if d.Impact == nil || d.Impact.Note == "" {
			continue
		}
		n, dup := d.Impact.Note, false
		for i, seen := range notes {
			switch {
			case strings.HasPrefix(seen, n):
				dup = true
			case strings.HasPrefix(n, seen):
				notes[i], dup = n, true
			}
		}
		if !dup {
			notes = append(notes, n)
		}
	}
	for _, n := range notes {
		fmt.Fprintf(b, "  %s %s\n", p.dim.Sprint("production:"), n)
	}
}

// fixable reports whether pgsafe fix can apply a fix of d.
func fixable(d rules.Diagnostic) bool {
	for _, fx := range d.Fixes {
		if fx.Safety != rules.DisplayOnly {
			return true
		}
	}
	return false
}

// folderLine says which tool pgsafe read a migration set with, and why.
func folderLine(fo lint.Folder, p palette) string {
	where := fo.Path + "/"
	if fo.Path == "." {
		where = "./"
	}
	return fmt.Sprintf("%s %s read as %s (%s: %s)\n", p.bold.Sprint("pgsafe:"), where, fo.Choice.Tool.Name, fo.Choice.Source, fo.Choice.Evidence)
}

// summaryLine returns the closing line of the text report: files and
// statements read, findings by severity, findings a baseline left out,
// inputs that could not be read, and the time taken unless noTiming.
func summaryLine(in Input, p palette, noTiming bool) string {
	var b strings.Builder
	s := Summarize(in)
	fmt.Fprintf(&b, "%s in %s, %s: %s, %s, %s",
		p.bold.Sprint("pgsafe:"), plural(s.Files, "file"), plural(s.Statements, "statement"),
		plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Hints, "hint"))
	if s.Baselined > 0 {
		fmt.Fprintf(&b, "; %d more in the baseline", s.Baselined)
	}
	if len(in.Errors) > 0 {
		fmt.Fprintf(&b, "; %s could not be read", plural(len(in.Errors), "input"))
	}
	if !noTiming {
		fmt.Fprintf(&b, " (%.2fs)", in.Duration.Seconds())
	}
	b.WriteByte('\n')
	return b.String()
}

// Snippets show a long line only around the finding: snippetBefore
// characters before where the span starts and snippetAfter from there,
// with an ellipsis where the line goes on. A line is long beyond
// snippetLong bytes. Showing a window keeps the report of a file written
// on one line linear in its size.
const (
	snippetLong   = 240
	snippetBefore = 40
	snippetAfter  = 160
)

// writeSnippet prints the first line of span with a caret underline.
func writeSnippet(b *strings.Builder, p palette, f *migration.File, span sqlparse.Span, pos sqlparse.Position) {
	line := f.Lines.Line(pos.Line)
	end := f.Lines.Position(span.End)
	col := pos.Column // of the span's start in what is shown
	toEnd := end.Line != pos.Line
	width := end.Column - pos.Column // of the underline, when the span ends on the line
	if len(line) > snippetLong {
		// Show a window of the line around the span's start.
		at := min(max(span.Start-f.Lines.LineStart(span.Start), 0), len(line))
		from, to := at, at
		for k := 0; k < snippetBefore && from > 0; k++ {
			_, size := utf8.DecodeLastRuneInString(line[:from])
			from -= size
		}
		for k := 0; k < snippetAfter && to < len(line); k++ {
			_, size := utf8.DecodeRuneInString(line[to:])
			to += size
		}
		col = utf8.RuneCountInString(line[from:at]) + 1
		rest := utf8.RuneCountInString(line[at:to])
		if toEnd || width > rest {
			width = rest
		}
		window := line[from:to]
		if from > 0 {
			window = "…" + window
			col++
		}
		if to < len(line) {
			window += "…"
		}
		line = window
	} else if toEnd {
		width = utf8.RuneCountInString(line) - pos.Column + 1
	}
	if width < 1 {
		width = 1
	}
	gutter := fmt.Sprintf("%d", pos.Line)
	pad := strings.Repeat(" ", len(gutter))
	fmt.Fprintf(b, " %s %s %s\n", p.dim.Sprint(gutter), p.dim.Sprint("|"), strings.ReplaceAll(line, "\t", " "))
	marker := strings.Repeat("^", width)
	if toEnd {
		marker += " ..."
	}
	fmt.Fprintf(b, " %s %s %s%s\n", pad, p.dim.Sprint("|"), strings.Repeat(" ", col-1), p.caret.Sprint(marker))
}

// plural returns "1 word" or "n words" ("n fixes" for a word ending in x).
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "x") {
		return fmt.Sprintf("%d %ses", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
