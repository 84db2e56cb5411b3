package rules

import (
	"errors"

	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/rewrite/split"
)

// This file holds what the fixes share: turning a statement into a
// sequence of steps that the file's migration framework runs in separate
// transactions, or outside any.

// Step is one step of a rewrite: SQL that runs in a transaction of its
// own after the steps before it, or outside any transaction.
type Step = split.Step

// StepsFix returns a fix that replaces the current statement with steps,
// placed the way the file's framework allows (in place, after COMMIT, with
// a no-transaction marker, or in new migration files). When that cannot be
// done mechanically it returns a display-only fix with the same title
// whose recipe is the steps' SQL.
func StepsFix(p *Pass, title string, safety Safety, after locks.Mode, steps ...Step) Fix {
	plan, err := split.Steps(p.File, p.Stmt, steps, split.Context{Files: p.Files})
	if err != nil {
		if !errors.Is(err, split.ErrCannotSplit) {
			return Recipe(title)
		}
		return Recipe(title + " (" + err.Error() + ")")
	}
	fix := Fix{Title: title, Safety: safety, After: after}
	if plan.How != "" && plan.How != "in place" {
		fix.Title += ", " + plan.How
	}
	for _, e := range plan.Edits {
		path := e.Path
		if path == p.File.Path {
			path = ""
		}
		fix.Edits = append(fix.Edits, Edit{Path: path, Start: e.Start, End: e.End, NewText: e.NewText})
	}
	return fix
}

// needsOwnTransaction reports whether a rewrite of the current statement
// into a form that cannot run in a transaction block has to move it: it
// runs in a transaction, or in a multi-statement query.
func needsOwnTransaction(p *Pass) bool { return p.Stmt.Tx != nil }

// InsertInStatement returns the current statement's text with text
// inserted at byte offset off of the file (which must lie inside the
// statement), and a semicolon.
func InsertInStatement(p *Pass, off int, text string) string {
	src := p.StmtText()
	k := off - p.Stmt.Span.Start
	return src[:k] + text + src[k:] + ";"
}

// sqlComment renders lines as a "-- " comment block ending in a newline.
func sqlComment(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString("-- " + l + "\n")
	}
	return b.String()
}

// concurrentKeywordFix inserts CONCURRENTLY after the first keyword kw of
// the statement and runs it outside any transaction, when ok; otherwise it
// returns the display-only recipe.
func concurrentKeywordFix(p *Pass, title string, ok bool, kw string) Fix {
	at, found := p.Keyword(kw)
	if !ok || !found {
		return Recipe(title)
	}
	after := locks.ShareUpdateExclusive
	return StepsFix(p, title, Safe, after, Step{SQL: InsertInStatement(p, at.End, " CONCURRENTLY"), NoTransaction: true})
}
