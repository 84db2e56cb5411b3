package rules

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
)

// PreferTimestamptz reports new columns of type timestamp without time
// zone.
func PreferTimestamptz() *Rule {
	return &Rule{
		Code: "PS064", Name: "prefer-timestamptz", Severity: Hint, FixAvailability: FixAlways,
		Doc: Doc{
			Summary: "A new column of type timestamp (without time zone) rather than timestamptz.",
			Why: "timestamp stores a wall-clock reading with no zone: the same value means different instants to a client " +
				"in another zone, a value with an offset is silently stripped of it, and arithmetic across a daylight " +
				"saving change is off by an hour. timestamptz stores an instant (in UTC) and converts to the session's " +
				"TimeZone on the way out, in the same eight bytes. Converting a filled column later rewrites the table " +
				"unless the server runs in UTC. Only columns that this migration creates are reported.",
			Bad:  "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamp NOT NULL DEFAULT now());",
			Good: "CREATE TABLE events (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());",
			Help: "use timestamptz (timestamp with time zone), which stores an instant rather than a wall-clock reading",
			FixSafety: "Unsafe: replaces timestamp, timestamp(p) or timestamp [(p)] without time zone with timestamptz[(p)]. " +
				"Values written without an offset are then read in the session's TimeZone, and clients receive values " +
				"with an offset: check the code that writes and reads the column.",
			Versions: "All versions.",
		},
		Check: checkPreferTimestamptz,
	}
}

func checkPreferTimestamptz(p *Pass) {
	var found []columnFinding
	for _, c := range newColumns(p) {
		tn := c.def.GetTypeName()
		if typ, _ := pgast.TypeName(tn); typ != "timestamp" {
			continue
		}
		f := columnFinding{col: c, what: c.def.GetColname()}
		if e, ok := timestamptzEdit(p, tn); ok {
			f.edit = &e
		}
		found = append(found, f)
	}
	reportColumns(p, found, "Use timestamptz", func(names string, plural bool) string {
		if plural {
			return "columns " + names + " are timestamp without time zone: they store wall-clock readings that mean another instant in every other time zone; timestamptz stores the instant"
		}
		return "column " + names + " is timestamp without time zone: it stores a wall-clock reading that means another instant in every other time zone; timestamptz stores the instant"
	})
}

// timestamptzEdit returns the edit that turns the type timestamp[(p)]
// [without time zone], written at tn's location, into timestamptz[(p)].
func timestamptzEdit(p *Pass, tn *pg.TypeName) (Edit, bool) {
	toks, start := typeTokens(p, tn)
	word := func(i int) string {
		if i >= len(toks) {
			return ""
		}
		return strings.ToLower(p.Text(toks[i].Span))
	}
	if word(0) != "timestamp" {
		return Edit{}, false
	}
	end, mods, i := toks[0].Span.End, "", 1
	if word(1) == "(" && word(3) == ")" {
		mods, end, i = p.File.Text[toks[1].Span.Start:toks[3].Span.End], toks[3].Span.End, 4
	}
	if word(i) == "without" && word(i+1) == "time" && word(i+2) == "zone" {
		end = toks[i+2].Span.End
	}
	repl := "timestamptz"
	if first := p.Text(toks[0].Span); first == strings.ToUpper(first) {
		repl = "TIMESTAMPTZ"
	}
	return Edit{Start: start, End: end, NewText: repl + mods}, true
}
