package history

import (
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// Move is a column move found within one release window: an INSERT ...
// SELECT or UPDATE copies a column's values into another column (of a new
// table, or a new column of the same table), and a later statement of the
// window drops the source column or its whole table.
type Move struct {
	// From is the source column and To the destination, named as they
	// were when the copy ran.
	From, To resolve.Ref
	// Copy is the statement that copies; Drop the one that drops From.
	Copy, Drop Site
	// DropsTable reports that Drop drops From's whole table.
	DropsTable bool
}

// Moves returns the column moves whose source statement stmt of migration
// path drops, in the order of their copies.
func (h *History) Moves(path string, stmt int) []Move {
	i, ok := h.index[path]
	if !ok {
		return nil
	}
	return h.moves[[2]int{i, stmt}]
}

// fill is a copy of one column's values into another.
type fill struct {
	from, to resolve.Ref
	site     Site
	window   int
}

// moveFinder collects the copies of a replay and matches each drop
// against the copies of its window.
type moveFinder struct {
	h     *History
	fills []fill
}

func newMoveFinder(h *History) *moveFinder { return &moveFinder{h: h} }

// statement records the copies an INSERT or UPDATE makes, resolved
// against the catalog as it is before the statement runs.
func (m *moveFinder) statement(cat *schema.Catalog, st *migration.Statement, site Site) {
	if !m.h.mayDrop(site.file) {
		return // nothing in the window can drop what this copies
	}
	switch st.Node.GetNode().(type) {
	case *pg.Node_InsertStmt:
		if fillsFromConstants(st.Node.GetInsertStmt()) {
			return
		}
	case *pg.Node_UpdateStmt:
	default:
		return
	}
	for _, w := range resolve.Statement(st.Node, cat).Writes {
		if w.Column.ID == 0 || w.Column.Num == 0 {
			continue
		}
		for _, src := range w.From {
			if src.ID == 0 || src.Column == "" || (src.ID == w.Column.ID && src.Num == w.Column.Num) {
				continue
			}
			m.fills = append(m.fills, fill{from: src, to: w.Column, site: site, window: m.h.windows[site.file]})
		}
	}
}

// fillsFromConstants reports an INSERT ... VALUES whose values name no
// column and hold no subquery, so that it copies no column's values.
func fillsFromConstants(ins *pg.InsertStmt) bool {
	rows := ins.GetSelectStmt().GetSelectStmt().GetValuesLists()
	if len(rows) == 0 || ins.GetWithClause() != nil {
		return false
	}
	found := false
	for _, row := range rows {
		pgast.Walk(row, func(x *pg.Node) bool {
			switch x.GetNode().(type) {
			case *pg.Node_ColumnRef, *pg.Node_SubLink:
				found = true
			default:
			}
			return !found
		})
		if found {
			return false
		}
	}
	return true
}

// change matches a dropped column or table against the earlier copies of
// its window whose destination still exists.
func (m *moveFinder) change(cat *schema.Catalog, ev Event) {
	if ev.Kind != schema.ColumnDropped && ev.Kind != schema.TableDropped {
		return
	}
	window := m.h.windows[ev.file]
	at := [2]int{ev.file, ev.Stmt}
	seen := map[[2]resolve.Ref]bool{}
	for _, mv := range m.h.moves[at] {
		seen[[2]resolve.Ref{mv.From, mv.To}] = true
	}
	for _, f := range m.fills {
		if f.window != window || f.from.ID != ev.Table || !f.site.Before(ev.Site) {
			continue
		}
		if ev.Kind == schema.ColumnDropped && !sameColumn(f.from, ev.Change) {
			continue
		}
		if dst := cat.TableByID(f.to.ID); dst == nil || dst.ColumnByNum(f.to.Num) == nil {
			continue
		}
		if key := [2]resolve.Ref{f.from, f.to}; !seen[key] {
			seen[key] = true
			m.h.moves[at] = append(m.h.moves[at], Move{From: f.from, To: f.to, Copy: f.site, Drop: ev.Site, DropsTable: ev.Kind == schema.TableDropped})
		}
	}
}

// sameColumn reports whether a copy's source is the dropped column: by
// number, or by name in a table created outside the history, whose
// columns the catalog may know only by name.
func sameColumn(src resolve.Ref, ch schema.Change) bool {
	if src.Num != 0 && ch.Num != 0 {
		return src.Num == ch.Num
	}
	return src.Column == ch.Column
}
