package history

import (
	"github.com/pgsafe/pgsafe/internal/resolve"
)

// Use is an application query that binds to a relation's column set: a
// SELECT * (or t.*, or RETURNING *) takes all its columns, or an INSERT
// without a column list fills them by position. Either breaks, or changes
// meaning, when a migration changes the relation's columns.
type Use struct {
	Site
	// Table is the relation's ID and Key its name as the query names it.
	Table int
	Key   string
	// Star reports a * rather than a positional INSERT.
	Star bool
}

// Uses returns the application queries that bind to relation id's column
// set, in file order.
func (h *History) Uses(id int) []Use { return h.uses[id] }

// bindQueries resolves every application query against the final catalog
// and records its stars and positional INSERTs.
func (h *History) bindQueries() {
	for i, f := range h.queries {
		for _, st := range f.Statements {
			site := Site{Path: f.Path, Stmt: st.Index, Line: f.Lines.Position(st.Span.Start).Line, Span: st.Span, file: -1 - i}
			res := resolve.Statement(st.Node, h.final)
			for _, star := range res.Stars {
				for _, t := range star.Tables {
					h.use(t, site, true)
				}
			}
			if res.Positional {
				h.use(res.Target, site, false)
			}
		}
	}
}

// use records that the query at site binds to relation ref, found by key
// when the final catalog no longer has it.
func (h *History) use(ref resolve.Ref, site Site, star bool) {
	id := ref.ID
	if id == 0 {
		id = h.keys[ref.Table]
	}
	if id == 0 {
		return
	}
	for _, u := range h.uses[id] {
		if u.Site == site && u.Star == star {
			return
		}
	}
	h.uses[id] = append(h.uses[id], Use{Site: site, Table: id, Key: ref.Table, Star: star})
}

// TodayQuery returns statement stmt of the application query file at
// path resolved against the schema that the deployed code was built for
// (Today): the columns that each * stands for, and the query's result
// columns, before the pending migrations change them. It is nil when path
// is not a query file of the set.
func (h *History) TodayQuery(path string, stmt int) *resolve.Result {
	for _, f := range h.queries {
		if f.Path != path {
			continue
		}
		for _, st := range f.Statements {
			if st.Index == stmt {
				return resolve.Statement(st.Node, h.Today())
			}
		}
	}
	return nil
}

// TodayStars returns the stars of TodayQuery: the columns that each *
// stands for before the pending migrations change them. It is nil when
// path is not a query file of the set, or the statement has no star.
func (h *History) TodayStars(path string, stmt int) []resolve.Star {
	if r := h.TodayQuery(path, stmt); r != nil {
		return r.Stars
	}
	return nil
}
