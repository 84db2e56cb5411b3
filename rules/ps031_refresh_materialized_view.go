package rules

import (
	"fmt"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
)

// RefreshMaterializedView reports REFRESH MATERIALIZED VIEW without
// CONCURRENTLY (hazard catalog row 28).
func RefreshMaterializedView() *Rule {
	return &Rule{
		Code: "PS031", Name: "refresh-materialized-view", Severity: Error, FixAvailability: FixSometimes,
		Doc: Doc{
			Summary: "REFRESH MATERIALIZED VIEW without CONCURRENTLY.",
			Why: "A plain refresh takes ACCESS EXCLUSIVE on the view while it re-runs the view's query, so every read " +
				"of the view waits for the whole recompute. REFRESH ... CONCURRENTLY takes EXCLUSIVE instead, which " +
				"lets reads continue, at the cost of a slower refresh. It needs a unique index on plain columns of the " +
				"view (no expression, no WHERE) and a view that is already populated.",
			Bad: "REFRESH MATERIALIZED VIEW daily_totals;",
			Good: "CREATE UNIQUE INDEX CONCURRENTLY daily_totals_day_key ON daily_totals (day);\n" +
				"REFRESH MATERIALIZED VIEW CONCURRENTLY daily_totals;",
			Help:  "refresh with CONCURRENTLY, after creating a unique index on the view concurrently if it has none",
			Locks: "ACCESS EXCLUSIVE on the materialized view while it is recomputed: reads of the view wait.",
			FixSafety: "Safe when the catalog shows a unique index on plain columns of the view: adds CONCURRENTLY, which " +
				"produces the same contents under a weaker lock. Otherwise display-only: the index must be created first.",
			Versions:    "All versions.",
			CatalogRows: []int{28},
		},
		Check: checkRefreshMaterializedView,
	}
}

func checkRefreshMaterializedView(p *Pass) {
	r := p.Stmt.Node.GetRefreshMatViewStmt()
	if r == nil || r.GetConcurrent() || r.GetSkipData() {
		return
	}
	view := pgast.RelName(r.GetRelation())
	if p.IsNew(view) {
		return
	}
	mode := p.LockOn(view)
	msg := fmt.Sprintf("REFRESH MATERIALIZED VIEW takes %s on %s, which blocks every read of the view while its query re-runs", mode, Display(view))
	d := Diagnostic{Span: p.At(r.GetRelation().GetLocation()), Lock: mode, Table: Display(view)}
	ix := uniquePlainIndex(p.Catalog, view)
	switch {
	case ix != nil:
		msg += fmt.Sprintf("; CONCURRENTLY keeps reads going and can use its unique index %s", ix.Name)
		d.Fixes = []Fix{{
			Title:  "Refresh concurrently",
			Safety: Safe,
			Edits:  []Edit{Insert(int(r.GetRelation().GetLocation()), "CONCURRENTLY ")},
			After:  concurrentRefreshLock(p, r),
		}}
	case p.Catalog.Table(view) != nil:
		msg += fmt.Sprintf("; CONCURRENTLY keeps reads going but needs a unique index on %s, and the catalog shows none", Display(view))
		d.Fixes = []Fix{Recipe("Create a unique index on the view concurrently, then refresh concurrently")}
	default:
		msg += "; CONCURRENTLY keeps reads going but needs a unique index on plain columns of the view"
		d.Fixes = []Fix{Recipe("Make sure the view has a unique index, then refresh concurrently")}
	}
	d.Message = msg
	p.Report(d)
}

// concurrentRefreshLock returns the lock that the CONCURRENTLY form of
// refresh r takes on its view, from the lock model.
func concurrentRefreshLock(p *Pass, r *pg.RefreshMatViewStmt) locks.Mode {
	node := &pg.Node{Node: &pg.Node_RefreshMatViewStmt{RefreshMatViewStmt: &pg.RefreshMatViewStmt{
		Concurrent: true, Relation: r.GetRelation(),
	}}}
	return locks.Strongest(locks.Statement(node, p.Options.PGVersion), pgast.RelName(r.GetRelation()))
}

// uniquePlainIndex returns a unique index of view on plain columns and
// without a WHERE clause, which REFRESH ... CONCURRENTLY can use; nil when
// the catalog knows none.
func uniquePlainIndex(cat *schema.Catalog, view string) *schema.Index {
	var best *schema.Index
	for _, ix := range cat.Indexes(view) {
		if !ix.Unique || ix.Partial || len(ix.Columns) == 0 {
			continue
		}
		plain := true
		for _, c := range ix.Columns {
			if c == "" {
				plain = false
			}
		}
		if plain && (best == nil || ix.Name < best.Name) {
			best = ix
		}
	}
	return best
}
