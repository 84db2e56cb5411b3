package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/funcbody"
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/resolve"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// This file holds what the rules about column-set bindings share. A * or
// an INSERT without a column list binds SQL to a relation's columns as
// they are when it runs: views freeze them, functions and application
// queries meet whatever columns there are by then. These rules find such
// bindings, rise one severity when a later migration changes the columns
// (for an application query: a pending one), and rewrite them with the
// explicit column list as of that point in history.

// query is one statement that may bind to column sets: a top-level
// statement, or a statement of a function body.
type query struct {
	node *pg.Node
	// offset turns node locations into file offsets; exact reports that it
	// does so exactly, so that fixes can edit the text.
	offset int
	exact  bool
	// span is where the query lies in the file.
	span sqlparse.Span
}

// statementQuery returns the current statement as a query.
func statementQuery(p *Pass) query {
	return query{node: p.Stmt.Node, exact: true, span: p.Stmt.Span}
}

// functionQueries returns the statements of the body of the function the
// current statement creates, and the body; nil when it creates none.
func functionQueries(p *Pass) ([]query, *funcbody.Body) {
	fn := p.Stmt.Node.GetCreateFunctionStmt()
	if fn == nil {
		return nil, nil
	}
	body := funcbody.Of(fn, p.StmtText(), p.Stmt.Span.Start)
	out := make([]query, len(body.Queries))
	for i, q := range body.Queries {
		out[i] = query{node: q.Node, offset: q.Offset, exact: q.Exact, span: q.Span}
	}
	return out, body
}

// functionName names the function the current statement creates, for
// messages: "function notify(int4)".
func functionName(p *Pass) string {
	fn := p.Stmt.Node.GetCreateFunctionStmt()
	kind := "function"
	if fn.GetIsProcedure() {
		kind = "procedure"
	}
	return kind + " " + Display(pgast.QualifyName(pgast.Strings(fn.GetFuncname())))
}

// starSpan returns the span of a * or t.* whose reference starts at file
// offset off: up to and including the first * outside double quotes.
func starSpan(text string, off int) sqlparse.Span {
	for i := off; i < len(text); i++ {
		switch text[i] {
		case '"':
			if j := strings.IndexByte(text[i+1:], '"'); j >= 0 {
				i += j + 1
			}
		case '*':
			return sqlparse.Span{Start: off, End: i + 1}
		default:
		}
	}
	return sqlparse.Span{Start: off, End: off + 1}
}

// at returns the span of a star of q, or q's span when q is not placed
// exactly.
func (q query) at(p *Pass, st resolve.Star) sqlparse.Span {
	if !q.exact {
		return q.span
	}
	return starSpan(p.File.Text, q.offset+int(st.Location))
}

// starColumns returns the SQL that a star stands for: the columns,
// quoted where needed and qualified as the star is.
func starColumns(st resolve.Star) string {
	cols := make([]string, len(st.Columns))
	for i, c := range st.Columns {
		cols[i] = pgast.QuoteIdent(c.Name)
		if c.Qualifier != "" {
			cols[i] = pgast.QuoteIdent(c.Qualifier) + "." + cols[i]
		}
	}
	return strings.Join(cols, ", ")
}

// starFix replaces a star by its columns: safe when the catalog knows
// every column it stands for and editable says the text may be edited
// (placed exactly, and not PL/pgSQL), display-only otherwise.
func starFix(st resolve.Star, span sqlparse.Span, editable bool) Fix {
	if editable && st.Complete && len(st.Columns) > 0 {
		return Fix{Title: "Name the columns instead of *", Safety: Safe, Edits: []Edit{{Start: span.Start, End: span.End, NewText: starColumns(st)}}}
	}
	return Recipe("Name the columns instead of *")
}

// starHelp says which columns to write in place of a star.
func starHelp(st resolve.Star) string {
	switch {
	case len(st.Columns) == 0:
		return "name the columns the query needs instead of *"
	case st.Complete:
		return "name the columns instead of *: " + starColumns(st)
	default:
		return "name the columns instead of *; the catalog knows only some of them: " + starColumns(st)
	}
}

// starWhat names what a star takes, for messages: "SELECT *", "RETURNING
// u.*".
func starWhat(p *Pass, st resolve.Star, span sqlparse.Span, exact bool) string {
	text := "*"
	if exact {
		text = strings.Join(strings.Fields(p.File.Text[span.Start:span.End]), "")
	}
	if st.Returning {
		return "RETURNING " + text
	}
	return "SELECT " + text
}

// starTables names the relations a star takes columns from, for
// messages: "users", "users and orders".
func starTables(st resolve.Star) string {
	var names []string
	for _, t := range st.Tables {
		if n := Display(t.Table); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	switch len(names) {
	case 0:
		return "its sources"
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
	}
}

// reportBinding reports d, a finding about a binding to the column sets
// of the relations refs, once the whole set has been read: its severity
// rises one step, and its message ends with a note, when later migrations
// (for an application query: pending ones) change those columns.
func reportBinding(p *Pass, refs []resolve.Ref, d Diagnostic) {
	reportBindings(p, []binding{{refs: refs, d: d}})
}

// binding is a finding about a binding to the column sets of the
// relations refs.
type binding struct {
	refs []resolve.Ref
	d    Diagnostic
	// read is how Go code reads the rows of the query (an application
	// query's star; see Options.CodeReads), nil when unknown; star is
	// then that star.
	read *CodeRead
	star *resolve.Star
	// today says that the fixes of d name the columns the application
	// reads today: a * of a query. When pending migrations change those
	// columns, the catalog after the set names other columns than today's:
	// the fixes name those that the code scans today when pgsafe knows
	// them (scannedColumns), and become advice otherwise.
	today bool
}

// reportBindings reports bs, the findings of the rule about the bindings
// of the current statement, as one finding (see reportJoined), each first
// completed as reportBinding completes it.
func reportBindings(p *Pass, bs []binding) {
	if len(bs) == 0 {
		return
	}
	path, stmt, query, severity, cat := p.File.Path, p.Stmt.Index, p.Query, p.Rule.Severity, p.Catalog
	p.Later(func(h *history.History, report func(Diagnostic)) {
		ds := make([]Diagnostic, len(bs))
		for i, b := range bs {
			today := func() *resolve.Result { return h.TodayQuery(path, stmt) }
			changes := unsurvived(laterChanges(h, path, b.refs), b.read, today, cat)
			ds[i] = b.d
			ds[i].Severity = risen(severity, changes)
			// A pending change to the names of the columns of * (not a
			// type change) makes today's list differ from the one after
			// the set.
			pending := b.today && query && slices.ContainsFunc(changes, func(ev history.Event) bool { return ev.Kind != schema.ColumnRetyped })
			var fields todayColumns
			if pending && b.read != nil && len(b.read.Names) > 0 {
				fields = fieldColumnsToday(b, starsOf(today()), changes)
			}
			if note, f, ev, what := readNote(h, b.read, changes, today, cat); note != "" {
				if f == fails {
					ds[i].Severity = min(ds[i].Severity+1, Error)
				}
				ds[i].Message += note
				ds[i].Related = changesRelated(path, changes, ev, what)
				cols, scanned := scannedColumns(b, changes)
				switch {
				case ev.Kind == schema.ColumnRetyped:
					ds[i].Help = fmt.Sprintf("deploy code whose destination for column %s takes %s before that migration runs; %s",
						ev.Column, ev.Type, ds[i].Help)
				case scanned:
					ds[i].Help = "name the columns the code scans today instead of *: " + cols
				case fields.cols != "":
					ds[i].Help = "name the columns the struct has fields for instead of *: " + fields.cols
				default:
					if cols, ok := fieldColumns(b); ok {
						ds[i].Help = "name the columns the struct has fields for instead of *: " + cols
					}
				}
				switch {
				case !pending:
				case scanned:
					ds[i].Fixes = todayFixes(ds[i].Fixes, cols)
				default:
					ds[i].Fixes = fields.fixes(ds[i].Fixes)
				}
				continue
			}
			ds[i].Message += changesNote(query, changes)
			ds[i].Related = changesRelated(path, changes, history.Event{}, "")
			if pending {
				ds[i].Fixes = fields.fixes(ds[i].Fixes)
				if fields.cols != "" {
					ds[i].Help = "name the columns the struct has fields for instead of *: " + fields.cols
				}
			}
		}
		report(joined(ds))
	})
}

// unsurvived returns changes without the type changes that the read r
// is known to take (see retypedRead): a destination that the driver
// fills from the new type as well as from the old one. cat has the enums
// and domains that the types may name.
func unsurvived(changes []history.Event, r *CodeRead, today func() *resolve.Result, cat *schema.Catalog) []history.Event {
	if r == nil {
		return changes
	}
	var out []history.Event
	for _, ev := range changes {
		if ev.Kind == schema.ColumnRetyped {
			if f, _ := retypedRead(ev, r, starsOf(today()), cat); f == fits {
				continue
			}
		}
		out = append(out, ev)
	}
	return out
}

// pendingAdvice turns fixes that name the columns of a * into advice: a
// pending migration changes those columns, so the list that the catalog
// after the set gives is not what the * returns today, and a query that
// named it would fail, or read other columns, until that migration runs.
func pendingAdvice(fixes []Fix) []Fix {
	return adviceWhy(fixes, "a pending migration changes the columns that * stands for: name those the code reads today, before that migration")
}

// adviceWhy turns fixes into advice, for the reason why.
func adviceWhy(fixes []Fix, why string) []Fix {
	out := make([]Fix, len(fixes))
	for i, fx := range fixes {
		out[i] = Fix{Title: fx.Title, Safety: DisplayOnly, Why: why}
	}
	return out
}

// todayFixes makes the fixes of a star, which name the columns after
// the set, name cols instead: the columns that the code scans today,
// before the pending migrations (scannedColumns). A fix that is not one
// edit of the star becomes advice.
func todayFixes(fixes []Fix, cols string) []Fix {
	out := make([]Fix, len(fixes))
	for i, fx := range fixes {
		if fx.Safety == DisplayOnly || len(fx.Edits) != 1 {
			out[i] = pendingAdvice([]Fix{fx})[0]
			continue
		}
		e := fx.Edits[0]
		e.NewText = cols
		fx.Edits = []Edit{e}
		out[i] = fx
	}
	return out
}

// laterChanges returns the changes to the column sets of the relations
// refs made by migrations after migration path, or by pending ones when
// path is an application query file.
func laterChanges(h *history.History, path string, refs []resolve.Ref) []history.Event {
	var out []history.Event
	seen := map[int]bool{}
	for _, ref := range refs {
		id := ref.ID
		if id == 0 {
			id = h.RelationID(ref.Table)
		}
		if id == 0 || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, h.LaterChanges(id, path)...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Before(out[j].Site) })
	return out
}

// risen returns the severity of a binding finding: the rule's, one
// higher when later migrations change the columns it binds to.
func risen(severity Severity, changes []history.Event) Severity {
	if len(changes) == 0 || severity >= Error {
		return severity
	}
	return severity + 1
}

// changesNote says, for a message, which later migrations change the
// columns a binding takes: "; a later migration changes them: 0004_x.sql:3
// adds column users.nick (and 2 more changes)". It is empty when there are
// none; query says the binding is an application query's.
func changesNote(query bool, changes []history.Event) string {
	if len(changes) == 0 {
		return ""
	}
	who := "a later migration"
	if query {
		who = "a pending migration"
	}
	s := fmt.Sprintf("; %s changes them: %s", who, describeEvent(changes[0]))
	if n := len(changes) - 1; n == 1 {
		s += " (and 1 more change)"
	} else if n > 1 {
		s += fmt.Sprintf(" (and %d more changes)", n)
	}
	return s
}

// readNote says, for the message of a star in Go code whose rows the code
// reads as r, which pending change breaks that read: "; db/0042.sql:3
// adds column clients.logo, which breaks rows.Scan at line 36: 4 columns
// after that migration, 3 destinations (and 1 more change)", or may
// break it ("which may break", a type change that the driver converts
// from some values only), which of the two (fails, mayFail), and the
// change. It is empty when no change breaks it, or r is nil; today gives
// the query against the schema the deployed code was built for, and cat
// has the enums and domains that type changes may name.
func readNote(h *history.History, r *CodeRead, changes []history.Event, today func() *resolve.Result, cat *schema.Catalog) (note string, f fit, ev history.Event, which string) {
	if r == nil {
		return "", unknownFit, history.Event{}, ""
	}
	// The first change that breaks the read, else the first that may.
	at, what, worst := -1, "", unknownFit
	for i, ev := range changes {
		w, f := brokenRead(ev, fmt.Sprintf("%s at line %d", r.Call, r.Line), r, pendingDelta(h, ev), "that migration", today, cat)
		if (f == fails && worst != fails) || (f == mayFail && worst == unknownFit) {
			at, what, worst = i, w, f
		}
	}
	if at < 0 {
		return "", unknownFit, history.Event{}, ""
	}
	verb := "breaks"
	if worst == mayFail {
		verb = "may break"
	}
	ev = changes[at]
	which = fmt.Sprintf("which %s %s", verb, what)
	note = fmt.Sprintf("; %s, %s", describeEvent(ev), which)
	if n := len(changes) - 1 - at; n == 1 {
		note += " (and 1 more change)"
	} else if n > 1 {
		note += fmt.Sprintf(" (and %d more changes)", n)
	}
	return note, worst, ev, which
}

// changesRelated points a binding's finding in the file at path at the
// migration statements that change the columns it binds to (changes,
// which its message names by file and line): the change that breaks
// the code's read of the rows, breaking, with which says what it does
// ("which breaks rows.Scan at line 36: ..."), and every other change
// with what it does.
func changesRelated(path string, changes []history.Event, breaking history.Event, which string) []Related {
	out := make([]Related, 0, len(changes))
	for _, ev := range changes {
		rel := Related{Path: ev.Path, Span: ev.Span, Message: changeText(ev)}
		if rel.Path == path {
			rel.Path = ""
		}
		if which != "" && ev.Site == breaking.Site && ev.Kind == breaking.Kind && ev.Column == breaking.Column {
			rel.Message += ", " + which
		}
		out = append(out, rel)
	}
	return out
}

// scannedColumns returns the columns that the Scan of b's star reads
// today, before the pending changes: the star's columns without those
// that the changes add. It reports false unless every change adds a
// column or changes a column's type, and what remains is as many columns
// as the Scan's destinations.
func scannedColumns(b binding, changes []history.Event) (string, bool) {
	if b.star == nil || b.read == nil || b.read.Destinations == 0 || !b.star.Complete {
		return "", false
	}
	added := map[string]bool{}
	for _, ev := range changes {
		switch ev.Kind {
		case schema.ColumnAdded:
			added[ev.Column] = true
		case schema.ColumnRetyped: // the same columns, in the same order
		default:
			return "", false
		}
	}
	st := *b.star
	st.Columns = nil
	for _, c := range b.star.Columns {
		if !added[c.Name] {
			st.Columns = append(st.Columns, c)
		}
	}
	if len(st.Columns) != b.read.Destinations {
		return "", false
	}
	return starColumns(st), true
}

// fieldColumns returns the columns of b's star that the struct which
// the code reads its rows into has fields for, in the star's order. It
// reports false for other reads, and when there are none.
func fieldColumns(b binding) (string, bool) {
	if b.star == nil || b.read == nil || len(b.read.Names) == 0 {
		return "", false
	}
	st := *b.star
	st.Columns = nil
	for _, c := range b.star.Columns {
		if hasName(b.read.Names, c.Name) {
			st.Columns = append(st.Columns, c)
		}
	}
	if len(st.Columns) == 0 {
		return "", false
	}
	return starColumns(st), true
}

// todayColumns are the columns that a struct read's star stands for
// today, before the pending migrations, and that the struct has fields
// for (fieldColumnsToday): cols, as SQL, or why they cannot be written.
type todayColumns struct {
	cols, why string
}

// fixes makes the fixes of a star name the columns of c: safe edits of
// the star when c has them, advice for c's reason otherwise, and advice
// for the pending migrations when c is not a struct read's.
func (c todayColumns) fixes(fixes []Fix) []Fix {
	switch {
	case c.cols != "":
		return todayFixes(fixes, c.cols)
	case c.why != "":
		return adviceWhy(fixes, c.why)
	default:
		return pendingAdvice(fixes)
	}
}

// fieldColumnsToday returns the columns that b's star stands for today
// (today: the query's stars against the deployed schema) which the
// struct that b's read fills has fields for, as they are named today and
// in the star's order: a column that a pending migration adds is left
// out, a renamed one keeps the name it has today. It gives the reason
// instead when that list is not well defined: the star's columns today
// are not known, the struct has a field for none of them, or a pending
// migration (changes) drops one of them, so that a query naming it would
// fail once that migration runs, where * would not.
func fieldColumnsToday(b binding, today []resolve.Star, changes []history.Event) todayColumns {
	var st *resolve.Star
	for i := range today {
		if b.star != nil && today[i].Location == b.star.Location {
			st = &today[i]
		}
	}
	if st == nil || !st.Complete || len(st.Columns) == 0 {
		return todayColumns{why: "pgsafe does not know the columns that * stands for before the pending migrations: name those the struct reads today"}
	}
	written := *st
	written.Columns = nil
	for _, c := range st.Columns {
		if hasName(b.read.Names, c.Name) {
			written.Columns = append(written.Columns, c)
		}
	}
	if len(written.Columns) == 0 {
		return todayColumns{why: "the struct has a field for none of the columns that * stands for today"}
	}
	for _, ev := range changes {
		if ev.Kind != schema.ColumnDropped {
			continue
		}
		for _, c := range written.Columns {
			for _, ref := range c.From {
				if ref.ID == ev.Table && ref.Num == ev.Num {
					return todayColumns{why: fmt.Sprintf("%s drops column %s, which the struct reads: a query that names it "+
						"would fail once that migration runs, where * would not", fmt.Sprintf("%s:%d", ev.Path, ev.Line), Display(ev.Key)+"."+ev.Column)}
				}
			}
		}
	}
	return todayColumns{cols: starColumns(written)}
}

// describeEvent says what a change did, where: "0004_x.sql:3 drops column
// users.email".
func describeEvent(ev history.Event) string {
	return fmt.Sprintf("%s:%d %s", ev.Path, ev.Line, changeText(ev))
}

// changeText says what a change did: "drops column users.email",
// "renames column users.mail to email", "renames users to people".
func changeText(ev history.Event) string {
	what := Display(ev.Key)
	switch {
	case ev.Kind == schema.TableRenamed:
		what = Display(ev.OldKey) + " to " + Display(ev.Key)
	case ev.Column != "" && ev.OldName != "":
		what += "." + ev.OldName + " to " + ev.Column
	case ev.Column != "":
		what += "." + ev.Column
	default:
	}
	return ev.Kind.String() + " " + what
}

// insertColumnsFix gives an INSERT without a column list the columns its
// values fill, inserted after the target (and its alias): safe when the
// catalog knows the target's columns and the number of values, and the
// query is placed exactly.
func insertColumnsFix(p *Pass, q query, ins *pg.InsertStmt, res *resolve.Result) (Fix, string) {
	t := p.Catalog.Table(res.Target.Table)
	if t == nil || res.Values < 0 || res.Values > len(t.Columns) {
		return Recipe("Name the columns the INSERT fills"), "name the columns the INSERT fills, in the order of its values"
	}
	cols := pgast.QuoteList(t.ColumnNames()[:res.Values])
	help := "name the columns the INSERT fills: (" + cols + ")"
	if t.Unknown || !q.exact {
		return Recipe("Name the columns the INSERT fills"), help + "; check them, since the catalog may not know every column"
	}
	end := relationEnd(p.File.Text, q.offset+int(ins.GetRelation().GetLocation()), q.span.End)
	if end < 0 {
		return Recipe("Name the columns the INSERT fills"), help
	}
	return Fix{Title: "Name the columns the INSERT fills", Safety: Safe, Edits: []Edit{Insert(end, " ("+cols+")")}}, help
}

// relationEnd returns the file offset just after a relation name that
// starts at off (schema-qualified or not) and its AS alias, scanning no
// further than end; -1 when the text there does not scan.
func relationEnd(text string, off, end int) int {
	if off < 0 || end > len(text) || off >= end {
		return -1
	}
	toks := ScanTokens(text[off:end], off)
	if len(toks) == 0 {
		return -1
	}
	i := 0
	for i+2 < len(toks) && toks[i+1].Kind == pg.Token_ASCII_46 { // '.'
		i += 2
	}
	if i+2 < len(toks) && toks[i+1].Kind == pg.Token_AS {
		i += 2
	}
	return toks[i].Span.End
}
