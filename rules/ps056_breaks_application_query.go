package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/resolve"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// BreaksApplicationQuery reports a migration that changes the columns of
// a table that an application query (--queries, --code) reads with * or
// fills by position (hazard catalog row 38).
func BreaksApplicationQuery() *Rule {
	return &Rule{
		Code: "PS056", Name: "breaks-application-query", Severity: Warning, FixAvailability: FixNone,
		Doc: Doc{
			Summary: "A migration changes the columns of a table that an application query reads with * or fills by position.",
			Why: "This is the migration side of select-star-in-query and insert-without-column-list. The code that " +
				"runs those queries was built for the columns as they were: a column added, dropped, renamed or " +
				"retyped changes what SELECT * returns, and the columns that an INSERT without a column list fills " +
				"by position (a column added without a default, or dropped, breaks it). During a rolling deploy the " +
				"old code runs against the new schema. " +
				"Only pending migrations are reported (with --changed-since REF, those added or changed since REF; without it, all). " +
				"Where the query is in Go code (--code) and pgsafe sees how its rows are read, a change that breaks " +
				"the read is an error naming it: \"breaks rows.Scan in internal/store/clients.go:36: 4 columns " +
				"after this migration, 3 destinations\" (the pending migrations up to this one counted), or a " +
				"struct without a field for a column added or renamed, unless the reader takes extra columns " +
				"(sqlx Unsafe, GORM), or a column dropped under pgx's RowToStructByName, which " +
				"needs a column for every field (RowToStructByNameLax does not), or a type change that the Go " +
				"destination of the column cannot take (\"pgx cannot scan text into int64\"), judged by the " +
				"conversions of database/sql or pgx, whichever reads the rows. A type change that converts for some " +
				"values only (integer to text into an int64 under database/sql, which parses the text) is a " +
				"warning naming the read; one that the destination takes as well as the old type is not reported.",
			Bad: "-- queries/users.sql, an application query:\nSELECT * FROM users WHERE id = $1;\n\n" +
				"-- migrations/0042_nickname.sql:\nALTER TABLE users ADD COLUMN nickname text;",
			Good: "-- queries/users.sql, an application query:\nSELECT id, email FROM users WHERE id = $1;\n\n" +
				"-- migrations/0042_nickname.sql:\nALTER TABLE users ADD COLUMN nickname text;",
			Help: "name the columns in the queries first (pgsafe fix does it), deploy that code, then change the table",
			FixSafety: "No fix here: the queries are fixed on their side (select-star-in-query, " +
				"insert-without-column-list).",
			CatalogRows: []int{38},
		},
		Check: checkBreaksApplicationQuery,
	}
}

// checkBreaksApplicationQuery reports, once the whole set is read and the
// application queries are bound to the schema it leaves, the changes the
// current statement makes to column sets that queries depend on.
func checkBreaksApplicationQuery(p *Pass) {
	path, stmt := p.File.Path, p.Stmt.Index
	reads, severity, cat := p.Options.CodeReads, min(p.Rule.Severity+1, Error), p.Catalog
	p.Later(func(h *history.History, report func(Diagnostic)) {
		if h.IsPending(path) {
			reportBrokenQueries(h, h.At(path, stmt), reads, severity, cat, report)
		}
	})
}

// reportBrokenQueries reports each change of events to a column set that
// application queries read with * or fill by position. Where Go code
// reads a query's rows in a way the change breaks (reads, see
// brokenReads), the finding names the reading call and rises to
// severity; where the change may break it (a type change that the
// driver converts from some values only), it names the call at the
// rule's severity; a type change that every read converts, with no
// query that fills the table by position, is not reported.
func reportBrokenQueries(h *history.History, events []history.Event, reads func(string, sqlparse.Span) *CodeRead, severity Severity, cat *schema.Catalog, report func(Diagnostic)) {
	for _, ev := range events {
		if !ev.ChangesColumns() {
			continue
		}
		var stars, positional []history.Use
		for _, u := range h.Uses(ev.Table) {
			if u.Star {
				stars = append(stars, u)
			} else {
				positional = append(positional, u)
			}
		}
		broken, risky, rest := brokenReads(h, ev, stars, reads, cat)
		if len(broken) == 0 && len(risky) == 0 && len(rest) == 0 && len(positional) == 0 {
			continue
		}
		var who []string
		if len(rest) > 0 {
			who = append(who, "reads "+Display(rest[0].Key)+" with * at "+useSites(rest))
		}
		if len(positional) > 0 {
			who = append(who, "inserts into "+Display(positional[0].Key)+" without a column list at "+useSites(positional))
		}
		also := ""
		if len(who) > 0 {
			also = "; the application also " + strings.Join(who, " and ")
		}
		help := "deploy code that names the columns it reads first, then change the table"
		if ev.Kind == schema.ColumnRetyped {
			help = "deploy code whose destination takes the new type first, then change the column's type"
		}
		related := queryRelated(broken, risky, rest, positional)
		switch {
		case len(broken) > 0:
			msg := fmt.Sprintf("%s, which breaks %s", changeText(ev), listMore(readTexts(broken), 3))
			if len(risky) > 0 {
				msg += "; it may also break " + listMore(readTexts(risky), 3)
			}
			report(Diagnostic{Message: msg + also, Severity: severity, Table: Display(ev.Key), Help: help, Related: related})
		case len(risky) > 0:
			report(Diagnostic{
				Message: fmt.Sprintf("%s, which may break %s", changeText(ev), listMore(readTexts(risky), 3)) + also,
				Table:   Display(ev.Key), Help: help, Related: related,
			})
		default:
			report(Diagnostic{
				Message: fmt.Sprintf("%s, and the application %s: code built for the old columns breaks when this runs",
					changeText(ev), strings.Join(who, " and ")),
				Table: Display(ev.Key), Related: related,
			})
		}
	}
}

// queryRelated points a finding on a migration at the application
// queries its message names, in the query files (--queries) or the Go
// code (--code) that hold them: the reads it breaks, those it may break,
// and the other queries that read the table with * or fill it by
// position. A query named twice is pointed at once.
func queryRelated(broken, risky []brokenUse, rest, positional []history.Use) []Related {
	var out []Related
	seen := map[history.Site]bool{}
	add := func(u history.Use, message string) {
		if seen[u.Site] {
			return
		}
		seen[u.Site] = true
		out = append(out, Related{Path: u.Path, Span: u.Span, Message: message})
	}
	for _, b := range broken {
		add(b.use, "the query whose read this migration breaks: "+b.text)
	}
	for _, b := range risky {
		add(b.use, "the query whose read this migration may break: "+b.text)
	}
	for _, u := range rest {
		add(u, "reads "+Display(u.Key)+" with *")
	}
	for _, u := range positional {
		add(u, "inserts into "+Display(u.Key)+" without a column list")
	}
	return out
}

// brokenUse is an application query whose read a change breaks, or may
// break, and what the change does to it ("rows.Scan in store.go:36: 4
// columns after this migration, 3 destinations").
type brokenUse struct {
	use  history.Use
	text string
}

// readTexts returns what the changes do to the reads of bs.
func readTexts(bs []brokenUse) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.text
	}
	return out
}

// useSites lists where queries are: "q.sql:3, q.sql:9 and 4 more".
func useSites(us []history.Use) string {
	const shown = 3
	var out []string
	for i, u := range us {
		if i == shown {
			out = append(out, fmt.Sprintf("%d more", len(us)-shown))
			break
		}
		out = append(out, fmt.Sprintf("%s:%d", u.Path, u.Line))
	}
	if len(out) == 1 {
		return out[0]
	}
	return strings.Join(out[:len(out)-1], ", ") + " and " + out[len(out)-1]
}

// brokenReads returns, for the change ev, the Go code reads of the
// queries in stars (uses of ev's relation by *) that it breaks: a Scan
// whose number of destinations no longer matches the columns once the
// pending migrations up to ev's statement have run ("rows.Scan in
// store.go:36: 4 columns after this migration, 3 destinations"), a
// struct read, not tolerant of extra columns, that has no field for a
// column the change adds or renames, or a destination that the driver
// cannot fill from the column's new type. Those it may break (the driver
// converts from some values of the new type only) come back as risky.
// The uses whose reads it does not break come back as rest, but for
// those whose destination is known to take the column's new type. cat
// has the enums and domains that the types may name.
func brokenReads(h *history.History, ev history.Event, stars []history.Use, reads func(string, sqlparse.Span) *CodeRead, cat *schema.Catalog) (broken, risky []brokenUse, rest []history.Use) {
	if reads == nil {
		return nil, nil, stars
	}
	delta := pendingDelta(h, ev)
	for _, u := range stars {
		what, f := "", unknownFit
		if r := reads(u.Path, u.Span); r != nil {
			what, f = brokenRead(ev, fmt.Sprintf("%s in %s:%d", r.Call, u.Path, r.Line), r, delta, "this migration",
				func() *resolve.Result { return h.TodayQuery(u.Path, u.Stmt) }, cat)
		}
		switch f {
		case fails:
			broken = append(broken, brokenUse{u, what})
		case mayFail:
			risky = append(risky, brokenUse{u, what})
		case fits:
		default:
			rest = append(rest, u)
		}
	}
	return broken, risky, rest
}

// brokenRead says what the change ev does to the read r (at where:
// "rows.Scan in store.go:36"), and how sure that is: fails, or mayFail
// for a type change that the driver converts from some values only,
// with the message; fits, with no message, for a type change that the
// read takes; unknownFit, with no message, when the change does not
// break it as far as pgsafe can tell. delta is the change to the column
// count (see pendingDelta), after names the migration in the message,
// and today gives the query against the deployed schema (for the number
// of its columns today, and the position of a Scan's destination); cat
// has the enums and domains that a type change may name.
func brokenRead(ev history.Event, where string, r *CodeRead, delta int, after string, today func() *resolve.Result, cat *schema.Catalog) (string, fit) {
	switch {
	case r.Destinations > 0 && (ev.Kind == schema.ColumnAdded || ev.Kind == schema.ColumnDropped) && delta != 0:
		columns := scanColumnsAfter(r, delta, today())
		if columns == r.Destinations {
			// The code was written for the schema after the pending
			// migrations: this one does not break it.
			return "", unknownFit
		}
		return fmt.Sprintf("%s: %d columns after %s, %d destinations", where, columns, after, r.Destinations), fails
	case len(r.Names) > 0 && !r.Lax && (ev.Kind == schema.ColumnAdded || ev.Kind == schema.ColumnRenamed) &&
		!hasName(r.Names, ev.Column):
		return fmt.Sprintf("%s: column %s has no field in the struct", where, ev.Column), fails
	case r.Strict && ev.Kind == schema.ColumnDropped && hasName(r.Names, ev.Column):
		return fmt.Sprintf("%s: the struct's field for column %s has no column any more", where, ev.Column), fails
	case ev.Kind == schema.ColumnRetyped:
		f, why := retypedRead(ev, r, starsOf(today()), cat)
		if f == fails || f == mayFail {
			return where + ": " + why, f
		}
		return "", f
	default:
		return "", unknownFit
	}
}

// scanColumnsAfter returns how many columns the query of the Scan r
// returns after the pending changes that make delta: today's count (of
// the query resolved against the deployed schema, when that is known)
// plus delta; without today's count, the Scan's destinations are taken
// to match it.
func scanColumnsAfter(r *CodeRead, delta int, today *resolve.Result) int {
	if today != nil && today.OutputsComplete && len(today.Outputs) > 0 {
		return len(today.Outputs) + delta
	}
	return r.Destinations + delta
}

// starsOf returns the stars of q, nil when q is.
func starsOf(q *resolve.Result) []resolve.Star {
	if q == nil {
		return nil
	}
	return q.Stars
}

// hasName reports whether names holds column, compared without regard to
// case, as pgx matches struct fields (sqlx's names come lowercased).
func hasName(names []string, column string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, column) })
}

// pendingDelta returns by how many columns the pending migrations, up to
// and including the statement of ev, change the column count of ev's
// relation: the difference between the columns the deployed code was
// built for and those it meets once that statement has run.
func pendingDelta(h *history.History, ev history.Event) int {
	delta := 0
	for _, e := range h.Events(ev.Table) {
		if !h.IsPending(e.Path) || ev.Before(e.Site) {
			continue
		}
		switch e.Kind {
		case schema.ColumnAdded:
			delta++
		case schema.ColumnDropped:
			delta--
		default:
		}
	}
	return delta
}

// listMore joins the first n of items with "; " and says how many more
// there are.
func listMore(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
