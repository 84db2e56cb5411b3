// Package rewrite applies rule fixes to migration files: it turns fixes
// into byte edits of the user's text, loops to a fixed point, and renders
// the result as a unified diff.
package rewrite

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// ApplyEdits returns text with edits applied. The edits must not overlap;
// they need not be sorted. Insertions at the offset where a replacement
// starts go before it, in the order given. A byte order mark that starts
// the text stays first: insertions before it go right after it.
func ApplyEdits(text string, edits []rules.Edit) (string, error) {
	sorted := append([]rules.Edit(nil), edits...)
	// At one offset, insertions go before a replacement that starts there.
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		return a.Start == a.End && b.Start != b.End
	})
	if strings.HasPrefix(text, sqlparse.BOM) {
		for i, e := range sorted {
			if e.Start == e.End && e.Start < len(sqlparse.BOM) {
				sorted[i].Start, sorted[i].End = len(sqlparse.BOM), len(sqlparse.BOM)
			}
		}
	}
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, e := range sorted {
		if e.Start < pos || e.End < e.Start || e.End > len(text) {
			return "", fmt.Errorf("edit [%d,%d) overlaps an earlier edit or lies outside the text (%d bytes)", e.Start, e.End, len(text))
		}
		b.WriteString(text[pos:e.Start])
		b.WriteString(e.NewText)
		pos = e.End
	}
	b.WriteString(text[pos:])
	return b.String(), nil
}

// overlaps reports whether edit e overlaps any edit in taken. Two
// insertions at the same offset overlap, since their order is undefined.
func overlaps(e rules.Edit, taken []rules.Edit) bool {
	for _, t := range taken {
		if t.Path != e.Path {
			continue
		}
		if e.Start < t.End && t.Start < e.End {
			return true
		}
		if e.Start == t.Start && (e.Start == e.End || t.Start == t.End) {
			return true
		}
	}
	return false
}
