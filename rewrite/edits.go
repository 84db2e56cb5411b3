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

// overlap reports whether edits a and b overlap. Two insertions at the
// same offset overlap, since their order is undefined.
func overlap(a, b rules.Edit) bool {
	if a.Path != b.Path {
		return false
	}
	if a.Start < b.End && b.Start < a.End {
		return true
	}
	return a.Start == b.Start && (a.Start == a.End || b.Start == b.End)
}

// editBlock is the number of bytes of a file that an editSet files edits
// under together.
const editBlock = 4096

// editSet holds the edits a round has taken, filed by path and by the
// blocks of editBlock bytes they touch, so that checking a new edit
// against them reads only the edits near it: a round with thousands of
// fixes stays linear.
type editSet map[editSetKey][]rules.Edit

type editSetKey struct {
	path  string
	block int
}

// blocks returns the first and last block that e touches.
func (editSet) blocks(e rules.Edit) (int, int) {
	return e.Start / editBlock, max(e.End-1, e.Start) / editBlock
}

// overlaps reports whether e overlaps an edit of the set.
func (s editSet) overlaps(e rules.Edit) bool {
	first, last := s.blocks(e)
	for b := first; b <= last; b++ {
		for _, t := range s[editSetKey{e.Path, b}] {
			if overlap(e, t) {
				return true
			}
		}
	}
	return false
}

// add puts edits in the set.
func (s editSet) add(edits []rules.Edit) {
	for _, e := range edits {
		first, last := s.blocks(e)
		for b := first; b <= last; b++ {
			k := editSetKey{e.Path, b}
			s[k] = append(s[k], e)
		}
	}
}
