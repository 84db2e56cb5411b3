package rules

import (
	"slices"
	"sort"
	"strings"
)

// merged returns ds, the findings of one rule about the parts of the
// current statement (its tables, columns or indexes), as the one finding
// that the statement gets from the rule: a statement that drops eight
// columns has one problem, not eight. A single finding is returned as it
// is. For several, the span runs from the first's start to the last's
// end, the lock is the strongest among them, the severity the rule's own when
// any has it and else the strongest, Table
// lists their tables once each, separated by ", ", and Message, Help and
// Fixes are the caller's: the message names every part, and a fix must
// cover every part (a recipe when no edit does).
func merged(ds []Diagnostic, message, help string, fixes []Fix) Diagnostic {
	if len(ds) == 1 {
		return ds[0]
	}
	out := Diagnostic{Span: ds[0].Span, Message: message, Help: help, Fixes: fixes}
	var tables []string
	seen := map[string]bool{}
	defaulted := false // a finding has the rule's severity, as configured
	for _, d := range ds {
		out.Span.Start = min(out.Span.Start, d.Span.Start)
		out.Span.End = max(out.Span.End, d.Span.End)
		out.Severity = max(out.Severity, d.Severity)
		defaulted = defaulted || d.Severity == 0
		out.Lock = max(out.Lock, d.Lock)
		if d.Table != "" && !seen[d.Table] {
			seen[d.Table] = true
			tables = append(tables, d.Table)
		}
		for _, r := range d.Related {
			if !slices.Contains(out.Related, r) {
				out.Related = append(out.Related, r)
			}
		}
	}
	if defaulted {
		out.Severity = 0
	}
	out.Table = strings.Join(tables, ", ")
	return out
}

// nameList joins names for a message: "a", "a and b", "a, b and c".
func nameList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}

// reportJoined reports ds, the findings of one rule about the parts of
// the current statement, as one finding whose message and help are theirs
// joined by "; ", each said once, and whose fix covers every part: their
// edits together when each is a fix made only of edits and none overlap,
// else advice that lists their titles. It is for findings whose messages
// differ in more than the name of a column or table.
func reportJoined(p *Pass, ds []Diagnostic) {
	if len(ds) > 0 {
		p.Report(joined(ds))
	}
}

// joined returns ds, one or more findings, as the one finding that
// reportJoined reports.
func joined(ds []Diagnostic) Diagnostic {
	if len(ds) == 1 {
		return ds[0]
	}
	var msgs, helps []string
	seen := map[string]bool{}
	for _, d := range ds {
		if !seen[d.Message] {
			seen[d.Message] = true
			msgs = append(msgs, d.Message)
		}
		if d.Help != "" && !seen[d.Help] {
			seen[d.Help] = true
			helps = append(helps, d.Help)
		}
	}
	return merged(ds, strings.Join(msgs, "; "), strings.Join(helps, "; "), joinedFixes(ds))
}

// joinedFixes returns one fix that covers the first fix of every one of
// ds, or none when one of them has none.
func joinedFixes(ds []Diagnostic) []Fix {
	var titles []string
	var edits []Edit
	seen := map[string]bool{}
	safety := Safe
	editable := true
	for _, d := range ds {
		if len(d.Fixes) == 0 {
			return nil
		}
		fx := d.Fixes[0]
		if !seen[fx.Title] {
			seen[fx.Title] = true
			titles = append(titles, fx.Title)
		}
		switch {
		case fx.Safety == DisplayOnly || safety == DisplayOnly:
			safety = DisplayOnly
		case fx.Safety == Unsafe:
			safety = Unsafe
		default:
		}
		if len(fx.Steps) > 0 || len(fx.Edits) == 0 {
			editable = false
		}
		edits = append(edits, fx.Edits...)
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	if len(edits) > 0 && edits[0].Path != "" {
		editable = false
	}
	for i := 1; i < len(edits); i++ {
		if edits[i].Path != "" || edits[i].Start < edits[i-1].End {
			editable = false
		}
	}
	title := strings.Join(titles, "; ")
	if !editable || safety == DisplayOnly {
		return []Fix{Recipe(title)}
	}
	return []Fix{{Title: title, Safety: safety, Edits: edits}}
}
