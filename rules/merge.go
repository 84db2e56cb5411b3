package rules

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
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
	}
	if defaulted {
		out.Severity = 0
	}
	out.Table = strings.Join(tables, ", ")
	return out
}

// strongestLock returns the strongest of modes, None for none.
func strongestLock(modes ...locks.Mode) locks.Mode {
	m := locks.None
	for _, x := range modes {
		m = max(m, x)
	}
	return m
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
