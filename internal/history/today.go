package history

import (
	"slices"

	"github.com/pgsafe/pgsafe/internal/schema"
)

// Today returns the schema that the deployed code was built for: the
// relations after the whole set, each with its columns as they are
// before the pending migrations change them. The pending changes to
// every relation's columns are undone, latest first: a column added is
// removed, one dropped is put back at its place (by number, as
// PostgreSQL orders the columns of *), a rename and a type change are
// reversed. A relation that a pending migration creates keeps the
// columns it is created with, as the count that breaks-application-query
// reports starts from them. Callers must not change it.
func (h *History) Today() *schema.Catalog {
	h.todayOnce.Do(func() {
		cat := h.final.Clone()
		byID := map[int]*schema.Table{}
		for _, t := range cat.Tables() {
			byID[t.ID] = t
		}
		for id, evs := range h.events {
			t := byID[id]
			if t == nil {
				continue
			}
			cols := make([]*schema.Column, len(t.Columns))
			changed := false
			for i, c := range t.Columns {
				cc := *c
				cols[i] = &cc
			}
			for i := len(evs) - 1; i >= 0; i-- {
				ev := evs[i]
				if !h.pending[ev.file] {
					continue
				}
				if cs, ok := undo(cols, ev.Change); ok {
					cols, changed = cs, true
				}
			}
			if changed {
				cat.SetColumns(t.Key, cols)
			}
		}
		h.today = cat
	})
	return h.today
}

// undo reverses the change ch to columns cols, and reports whether ch
// is a change to them.
func undo(cols []*schema.Column, ch schema.Change) ([]*schema.Column, bool) {
	at := slices.IndexFunc(cols, func(c *schema.Column) bool { return c.Num == ch.Num })
	switch ch.Kind {
	case schema.ColumnAdded:
		if at >= 0 {
			return slices.Delete(cols, at, at+1), true
		}
	case schema.ColumnDropped:
		if at < 0 && ch.Num != 0 {
			i := slices.IndexFunc(cols, func(c *schema.Column) bool { return c.Num > ch.Num })
			if i < 0 {
				i = len(cols)
			}
			return slices.Insert(cols, i, &schema.Column{Name: ch.Column, Num: ch.Num}), true
		}
	case schema.ColumnRenamed:
		if at >= 0 {
			cols[at].Name = ch.OldName
			return cols, true
		}
	case schema.ColumnRetyped:
		if at >= 0 && ch.OldType != "" {
			cols[at].Type = ch.OldType
			return cols, true
		}
	default:
	}
	return cols, false
}
