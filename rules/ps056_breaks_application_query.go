package rules

import (
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/history"
)

// BreaksApplicationQuery reports a migration that changes the columns of
// a table that an application query (--queries) reads with * or fills
// by position (hazard catalog row 38).
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
				"Only pending migrations are reported (with --changed-since REF, those added or changed since REF; without it, all).",
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
	p.Later(func(h *history.History, report func(Diagnostic)) {
		if h.IsPending(path) {
			reportBrokenQueries(h, h.At(path, stmt), report)
		}
	})
}

// reportBrokenQueries reports each change of events to a column set that
// application queries read with * or fill by position.
func reportBrokenQueries(h *history.History, events []history.Event, report func(Diagnostic)) {
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
		if len(stars) == 0 && len(positional) == 0 {
			continue
		}
		var who []string
		if len(stars) > 0 {
			who = append(who, "reads "+Display(stars[0].Key)+" with * at "+useSites(stars))
		}
		if len(positional) > 0 {
			who = append(who, "inserts into "+Display(positional[0].Key)+" without a column list at "+useSites(positional))
		}
		report(Diagnostic{
			Message: fmt.Sprintf("%s, and the application %s: code built for the old columns breaks when this runs",
				changeText(ev), strings.Join(who, " and ")),
			Table: Display(ev.Key),
		})
	}
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
