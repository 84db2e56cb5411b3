package rewrite

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// contextLines is the number of unchanged lines shown around each change.
const contextLines = 3

// lineOp is one line of a line-mode diff.
type lineOp struct {
	kind byte // ' ', '-' or '+'
	text string
}

// lineDiff computes a line-mode diff of a and b with diffmatchpatch.
func lineDiff(a, b string) []lineOp {
	dmp := diffmatchpatch.New()
	ca, cb, lines := dmp.DiffLinesToChars(a, b)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(ca, cb, false), lines)
	var ops []lineOp
	for _, d := range diffs {
		kind := byte(' ')
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			kind = '-'
		case diffmatchpatch.DiffInsert:
			kind = '+'
		default:
		}
		for _, l := range splitLines(d.Text) {
			ops = append(ops, lineOp{kind, l})
		}
	}
	return ops
}

// splitLines splits text into lines that keep their "\n".
func splitLines(s string) []string {
	var out []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// DiffOptions configure Unified.
type DiffOptions struct {
	Color bool
}

// Unified writes a unified diff of old into new, labelled with the two
// paths (use "/dev/null" for a file that is created or removed). It writes
// nothing when the texts are equal.
func Unified(w io.Writer, oldPath, newPath, old, new string, opts DiffOptions) error {
	if old == new {
		return nil
	}
	ops := lineDiff(old, new)
	paint := func(attrs ...color.Attribute) *color.Color {
		c := color.New(attrs...)
		if opts.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c
	}
	bold, red, green, cyan := paint(color.Bold), paint(color.FgRed), paint(color.FgGreen), paint(color.FgCyan)
	var b strings.Builder
	b.WriteString(bold.Sprintf("--- %s", oldPath) + "\n")
	b.WriteString(bold.Sprintf("+++ %s", newPath) + "\n")
	for _, h := range hunks(ops) {
		b.WriteString(cyan.Sprintf("@@ -%s +%s @@", rangeString(h.oldStart, h.oldLen), rangeString(h.newStart, h.newLen)) + "\n")
		for _, op := range ops[h.from:h.to] {
			line := strings.TrimSuffix(op.text, "\n")
			switch op.kind {
			case '-':
				b.WriteString(red.Sprint("-"+line) + "\n")
			case '+':
				b.WriteString(green.Sprint("+"+line) + "\n")
			default:
				b.WriteString(" " + line + "\n")
			}
			if !strings.HasSuffix(op.text, "\n") {
				b.WriteString("\\ No newline at end of file\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// hunk is a run of ops [from, to) with its line ranges (1-based starts).
type hunk struct {
	from, to                           int
	oldStart, oldLen, newStart, newLen int
}

// hunks groups changed lines with contextLines of context, merging groups
// whose context touches.
func hunks(ops []lineOp) []hunk {
	var out []hunk
	i := 0
	for i < len(ops) {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		from := i - contextLines
		if from < 0 {
			from = 0
		}
		if len(out) > 0 && from <= out[len(out)-1].to {
			from = out[len(out)-1].from
			out = out[:len(out)-1]
		}
		// Extend over changes separated by at most 2*contextLines equal lines.
		to := i
		for to < len(ops) {
			if ops[to].kind != ' ' {
				to++
				continue
			}
			run := to
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run < len(ops) && run-to <= 2*contextLines {
				to = run
				continue
			}
			to += min(contextLines, run-to)
			break
		}
		out = append(out, makeHunk(ops, from, to))
		i = to
	}
	return out
}

func makeHunk(ops []lineOp, from, to int) hunk {
	h := hunk{from: from, to: to, oldStart: 1, newStart: 1}
	for _, op := range ops[:from] {
		if op.kind != '+' {
			h.oldStart++
		}
		if op.kind != '-' {
			h.newStart++
		}
	}
	for _, op := range ops[from:to] {
		if op.kind != '+' {
			h.oldLen++
		}
		if op.kind != '-' {
			h.newLen++
		}
	}
	if h.oldLen == 0 {
		h.oldStart--
	}
	if h.newLen == 0 {
		h.newStart--
	}
	return h
}

func rangeString(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
