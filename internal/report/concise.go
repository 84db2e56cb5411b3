package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/rules"
)

// Concise writes one line per finding, `path:line:col: CODE message`, as
// ruff's concise format does, the ups first and then the downs (each line
// of a finding in a down migration ends with "(down)"), then the summary
// line. Unreadable inputs come first, one line each.
func Concise(w io.Writer, in Input, opts TextOptions) error {
	p := newPalette(opts.Color)
	files := filesByPath(in)
	var b strings.Builder
	for _, err := range in.Errors {
		fmt.Fprintf(&b, "%s %s\n", p.err.Sprint("error:"), err)
	}
	ups, downs := byStatement(in.Result.Diagnostics, files)
	for _, groups := range [][][]rules.Diagnostic{ups, downs} {
		for _, g := range groups {
			for _, d := range g {
				pos := files[d.Path].Lines.Position(d.Span.Start)
				fmt.Fprintf(&b, "%s %s %s", p.bold.Sprintf("%s:%d:%d:", d.Path, pos.Line, pos.Column),
					p.severity(d.Severity).Sprint(d.Rule.Code), d.Message)
				if e := shortEstimate(d.Impact); e != "" {
					b.WriteString(" " + e)
				}
				if d.Down {
					b.WriteString(" (down)")
				}
				b.WriteByte('\n')
			}
		}
	}
	b.WriteString(summaryLine(in, p, opts.NoTiming))
	_, err := io.WriteString(w, b.String())
	return err
}

// shortEstimate says a finding's estimated block in a few words, for
// the concise format: "[~58 s on 48M rows]", "[at least 2 min on 48M
// rows]", "[~1 ms on a new table]"; "" when there is no estimate (no
// snapshot, or a table or work it cannot price: the other formats say
// why).
func shortEstimate(im *rules.Impact) string {
	if im == nil || !im.Estimated {
		return ""
	}
	how := "~" + estimate.ShortDuration(im.Block)
	if im.AtLeast {
		how = "at least " + estimate.ShortDuration(im.Block)
	}
	on := im.Table + ", a new table"
	if !im.New {
		on = estimate.Rows(im.Rows) + " of " + im.Table
	}
	return "[" + how + " on " + on + "]"
}

// Statistics writes the number of findings of each rule, most first (ties
// by code), as ruff's --statistics does: count, code, name, and "[*]"
// for a rule some of whose findings pgsafe fix can fix; then the summary
// line.
func Statistics(w io.Writer, in Input, opts TextOptions) error {
	p := newPalette(opts.Color)
	type row struct {
		rule    *rules.Rule
		n       int
		fixable bool
	}
	byCode := map[string]*row{}
	for _, d := range in.Result.Diagnostics {
		r := byCode[d.Rule.Code]
		if r == nil {
			r = &row{rule: d.Rule}
			byCode[d.Rule.Code] = r
		}
		r.n++
		r.fixable = r.fixable || fixable(d)
	}
	rows := make([]*row, 0, len(byCode))
	width, nameWidth := 1, 1
	for _, r := range byCode {
		rows = append(rows, r)
		width = max(width, len(fmt.Sprint(r.n)))
		nameWidth = max(nameWidth, len(r.rule.Name))
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].n != rows[j].n {
			return rows[i].n > rows[j].n
		}
		return rows[i].rule.Code < rows[j].rule.Code
	})
	var b strings.Builder
	for _, err := range in.Errors {
		fmt.Fprintf(&b, "%s %s\n", p.err.Sprint("error:"), err)
	}
	for _, r := range rows {
		mark := "   "
		if r.fixable {
			mark = "[*]"
		}
		line := fmt.Sprintf("%*d  %s  %-*s  %s", width, r.n, r.rule.Code, nameWidth, r.rule.Name, mark)
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString(summaryLine(in, p, opts.NoTiming))
	_, err := io.WriteString(w, b.String())
	return err
}
