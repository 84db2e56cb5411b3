package rules

import (
	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// This file holds what the fixes share: turning a statement into a
// sequence of steps that the file's migration tool runs in separate
// transactions, or outside any.

// StepsFix returns a fix that replaces the current statement with steps.
// Where the steps go (in place, split around a COMMIT, with a
// no-transaction mark, or in new migrations) depends on how the file's
// migration tool runs it, which the rewrite package decides; until it
// has, the fix has no edits.
func StepsFix(p *Pass, title string, safety Safety, after locks.Mode, steps ...Step) Fix {
	return Fix{Title: title, Safety: safety, After: after, Steps: steps, Stmt: p.Stmt.Index}
}

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
