// Package split plans how to replace one statement of a migration with a
// sequence of steps that must run in separate transactions, or outside
// any transaction, the way the file's migration framework allows: in
// place where statements autocommit, past an explicit COMMIT, by marking
// the file non-transactional, or in new migration files that run right
// after the original and before the next one.
package split

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Edit replaces bytes [Start, End) of the file at Path with NewText. A
// Path that does not exist yet names a file to create (Start = End = 0).
type Edit struct {
	Path       string
	Start, End int
	NewText    string
}

// Step is SQL that must run in a transaction of its own, after the steps
// before it have committed.
type Step struct {
	// SQL holds one or more statements, each ending with ";".
	SQL string
	// NoTransaction says the step cannot run inside a transaction block
	// (a CONCURRENTLY form, or a DO block that commits); it must then be a
	// single statement.
	NoTransaction bool
}

// Plan is the set of edits that carries out a replacement.
type Plan struct {
	// How says in words where the steps went, for the fix title.
	How   string
	Edits []Edit
}

// ErrCannotSplit is wrapped by errors for files that cannot be split
// mechanically; callers fall back to a display-only recipe.
var ErrCannotSplit = errors.New("cannot split the migration mechanically")

// Context is what Steps needs to know besides the file.
type Context struct {
	// Files knows every migration of the run, including files that earlier
	// fixes created but that are not on disk yet; nil looks at the disk.
	Files *Index
}

// Steps replaces statement st of f with steps, run in order, each in its
// own transaction (the first may share st's transaction when it allows
// one).
func Steps(f *migration.File, st *migration.Statement, steps []Step, ctx Context) (Plan, error) {
	if len(steps) == 0 {
		return Plan{}, fmt.Errorf("%w: nothing to run", ErrCannotSplit)
	}
	for _, s := range steps {
		if s.NoTransaction && strings.Count(strings.TrimSpace(s.SQL), ";") > 1 && !isSingleStatement(s.SQL) {
			return Plan{}, fmt.Errorf("%w: a step without a transaction must be one statement", ErrCannotSplit)
		}
	}
	switch {
	case st.Tx == nil && f.Mode != migration.SingleExec:
		// Every statement commits on its own: the steps can stay in place.
		return Plan{How: "in place", Edits: []Edit{{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: joinSteps(steps)}}}, nil
	case st.Tx != nil && st.Tx.Kind == migration.TxExplicit:
		return afterCommit(f, st, steps)
	case st.Tx != nil && st.Tx.Kind == migration.TxWrapped && onlyWithoutTx(f, st, steps) && (f.Framework == migration.Goose || f.Framework == migration.Flyway):
		return markNoTransaction(f, st, steps)
	default:
		plan, err := newFiles(f, st, steps, ctx)
		if err != nil && f.Framework == migration.Goose && st.Tx != nil && st.Tx.Kind == migration.TxWrapped {
			return gooseExplicit(f, st, steps)
		}
		return plan, err
	}
}

// gooseExplicit handles a goose file with no free version after it: the
// file is marked NO TRANSACTION, each section's statements are wrapped in
// an explicit BEGIN ... COMMIT so they stay atomic, and the steps that
// must run later go after the COMMIT of st's section, where goose runs
// them one at a time.
func gooseExplicit(f *migration.File, st *migration.Statement, steps []Step) (Plan, error) {
	up := reGooseUp.FindStringIndex(f.Text)
	if up == nil {
		return Plan{}, fmt.Errorf("%w: no -- +goose Up marker", ErrCannotSplit)
	}
	edits := []Edit{{Path: f.Path, Start: up[0], End: up[0], NewText: "-- +goose NO TRANSACTION\n"}}
	rest := steps
	switch {
	case len(following(f, st)) > 0:
		edits = append(edits, Edit{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: splitHere(steps)})
		rest = nil
	case !steps[0].NoTransaction:
		edits = append(edits, Edit{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: strings.TrimSpace(steps[0].SQL)})
		rest = steps[1:]
	default:
		b := block(f, st)
		edits = append(edits, Edit{Path: f.Path, Start: b.Start, End: b.End})
	}
	// Wrap every section (run of statements with one direction) in BEGIN ... COMMIT.
	var section []*migration.Statement
	flush := func() {
		if len(section) == 0 {
			return
		}
		first, last := section[0], section[len(section)-1]
		lb := block(f, last)
		after := ""
		if first.Direction == st.Direction && first.Tx == st.Tx && joinSteps(rest) != "" {
			after = joinSteps(rest) + "\n"
		}
		edits = append(edits,
			Edit{Path: f.Path, Start: first.Span.Start, End: first.Span.Start, NewText: "BEGIN;\n"},
			Edit{Path: f.Path, Start: lb.End, End: lb.End, NewText: terminate(f.Text[:lb.End]) + "COMMIT;\n" + after})
		section = nil
	}
	for _, s := range f.Statements {
		if len(section) > 0 && s.Tx != section[0].Tx {
			flush()
		}
		section = append(section, s)
	}
	flush()
	return Plan{How: "with -- +goose NO TRANSACTION and an explicit transaction around the rest", Edits: edits}, nil
}

// terminate returns "\n" when text does not end a line, so that what
// follows starts on a line of its own.
func terminate(text string) string {
	if text == "" || strings.HasSuffix(text, "\n") {
		return ""
	}
	return "\n"
}

// afterMoved returns where statements moved past commit go: after the
// CONCURRENTLY statements that already follow it (moved there by earlier
// fixes), so that moved statements keep their order, and after a comment
// on the COMMIT's line.
func afterMoved(f *migration.File, commit *migration.Statement) int {
	last := commit
	for _, s := range f.Statements[commit.Index+1:] {
		if s.Tx != nil || pgast.Concurrently(s.Node) == "" {
			break
		}
		last = s
	}
	b := block(f, last)
	end := b.End
	if end > last.Extent.End && f.Text[end-1] == '\n' {
		end--
	}
	return end
}

// isSingleStatement reports whether sql is one statement: at most one
// semicolon outside comments and literals says so at once; otherwise the
// parser counts.
func isSingleStatement(sql string) bool {
	if sqlparse.Semicolons(sql) <= 1 {
		return true
	}
	res, err := pg.Parse(sql)
	return err == nil && len(res.GetStmts()) == 1
}

func joinSteps(steps []Step) string {
	var parts []string
	for _, s := range steps {
		if sql := strings.TrimSpace(s.SQL); sql != "" {
			parts = append(parts, sql)
		}
	}
	return strings.Join(parts, "\n")
}

// afterCommit keeps a first step that allows a transaction in place and
// moves the rest after the COMMIT that ends st's explicit transaction,
// where each statement runs on its own.
func afterCommit(f *migration.File, st *migration.Statement, steps []Step) (Plan, error) {
	var commit *migration.Statement
	for _, s := range f.Statements[st.Index+1:] {
		if s.Tx != st.Tx {
			break
		}
		if tc := s.Node.GetTransactionStmt(); tc != nil && tc.GetKind() == pg.TransactionStmtKind_TRANS_STMT_COMMIT {
			commit = s
			break
		}
	}
	if commit == nil {
		return Plan{}, fmt.Errorf("%w: its transaction has no COMMIT in the file", ErrCannotSplit)
	}
	if f.Mode != migration.Autocommit {
		return Plan{}, fmt.Errorf("%w: the file runs as %s, so statements after its COMMIT do not run on their own", ErrCannotSplit, f.Mode)
	}
	if len(following(f, st)) > 0 {
		return Plan{How: "in a transaction split around it", Edits: []Edit{
			{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: splitHere(steps)},
		}}, nil
	}
	rest := steps
	edits := []Edit{}
	if !steps[0].NoTransaction {
		edits = append(edits, Edit{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: strings.TrimSpace(steps[0].SQL)})
		rest = steps[1:]
	} else {
		b := block(f, st)
		edits = append(edits, Edit{Path: f.Path, Start: b.Start, End: b.End})
		// Keep the statement's own comments and trailing comment.
		moved := f.Text[b.Start:st.Span.Start] + strings.TrimSpace(rest[0].SQL) + f.Text[st.Extent.End:b.End]
		rest = append([]Step{{SQL: strings.TrimRight(moved, "\n"), NoTransaction: true}}, rest[1:]...)
	}
	if len(rest) > 0 {
		at := afterMoved(f, commit)
		edits = append(edits, Edit{Path: f.Path, Start: at, End: at, NewText: "\n" + joinSteps(rest)})
	}
	return Plan{How: "after the COMMIT of its transaction", Edits: edits}, nil
}

// onlyWithoutTx reports whether the whole file may run without a
// transaction once st is replaced: there is one step, it needs no
// transaction, and every other statement of the file, in either
// direction (the marker covers the whole file), is itself a CONCURRENTLY
// form or a setting.
func onlyWithoutTx(f *migration.File, st *migration.Statement, steps []Step) bool {
	if len(steps) != 1 || !steps[0].NoTransaction {
		return false
	}
	for _, s := range f.Statements {
		if s == st {
			continue
		}
		if pgast.Concurrently(s.Node) == "" && s.Node.GetVariableSetStmt() == nil {
			return false
		}
	}
	return true
}

var reGooseUp = regexp.MustCompile(`(?m)^[ \t]*--[ \t]*\+goose[ \t]+Up\b`)

// markNoTransaction replaces st in place and marks the file to run
// without a transaction: goose's NO TRANSACTION annotation, or Flyway's
// executeInTransaction=false in the script's .sql.conf.
func markNoTransaction(f *migration.File, st *migration.Statement, steps []Step) (Plan, error) {
	replace := Edit{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: strings.TrimSpace(steps[0].SQL)}
	if f.Framework == migration.Flyway {
		conf := f.Path + ".conf"
		if _, err := os.Stat(conf); err == nil {
			return Plan{}, fmt.Errorf("%w: %s exists; set executeInTransaction=false in it", ErrCannotSplit, conf)
		}
		return Plan{How: "with executeInTransaction=false in " + filepath.Base(conf), Edits: []Edit{replace, {Path: conf, NewText: "executeInTransaction=false\n"}}}, nil
	}
	loc := reGooseUp.FindStringIndex(f.Text)
	if loc == nil {
		return Plan{}, fmt.Errorf("%w: no -- +goose Up marker", ErrCannotSplit)
	}
	return Plan{How: "with -- +goose NO TRANSACTION", Edits: []Edit{{Path: f.Path, Start: loc[0], End: loc[0], NewText: "-- +goose NO TRANSACTION\n"}, replace}}, nil
}

// newFiles keeps a first step that allows a transaction in place and
// moves each other step into a new migration file of its own.
func newFiles(f *migration.File, st *migration.Statement, steps []Step, ctx Context) (Plan, error) {
	rest := steps
	var edits []Edit
	b := block(f, st)
	head := Edit{Path: f.Path, Start: b.Start, End: b.End}
	if !steps[0].NoTransaction || st.Tx == nil {
		rest = steps[1:]
		head = Edit{Path: f.Path, Start: st.Span.Start, End: st.Extent.End, NewText: strings.TrimSpace(steps[0].SQL)}
	}
	edits = append(edits, head)
	// The statements after st in its section must still run after the
	// steps: they move into a last new migration of their own.
	if tail, ok := tailOf(f, st); ok {
		edits = append(edits, Edit{Path: f.Path, Start: tail.Start, End: tail.End})
		if text := f.Text[tail.Start:tail.End]; strings.TrimSpace(text) != "" {
			rest = append(append([]Step(nil), rest...), Step{SQL: text})
		}
	}
	rewritten := f.Text
	for i := len(edits) - 1; i >= 0; i-- {
		e := edits[i]
		rewritten = rewritten[:e.Start] + e.NewText + rewritten[e.End:]
	}
	if f.Framework == migration.Popx && migration.Dialect(f.Path) == "" {
		// A dialect-less popx file runs on every database: keep it for the
		// others and give PostgreSQL its own rewritten copy.
		copyPath := dialectCopy(f.Path)
		if ctx.Files.Exists(copyPath) {
			return Plan{}, fmt.Errorf("%w: %s already exists", ErrCannotSplit, filepath.Base(copyPath))
		}
		edits = []Edit{{Path: copyPath, NewText: rewritten}}
	}
	if len(rest) == 0 {
		return Plan{How: "in place", Edits: edits}, nil
	}
	names, err := newMigrations(f, rest, ctx)
	if err != nil {
		return Plan{}, err
	}
	var created []string
	for i, s := range rest {
		nm := names[i]
		edits = append(edits, Edit{Path: nm.path, NewText: nm.body(strings.TrimSpace(s.SQL)+"\n", s.NoTransaction)})
		for path, text := range nm.extra {
			edits = append(edits, Edit{Path: path, NewText: text})
		}
		created = append(created, filepath.Base(nm.path))
	}
	return Plan{How: "in new migration " + strings.Join(created, ", "), Edits: edits}, nil
}

// dialectCopy returns the path of the ".postgres." variant of a popx up
// migration; path itself when it is not one.
func dialectCopy(path string) string {
	n, ok := migration.ParsePopName(filepath.Base(path))
	if !ok || n.Down || n.Ext != "sql" {
		return path
	}
	autocommit := ""
	if n.Autocommit {
		autocommit = ".autocommit"
	}
	return filepath.Join(filepath.Dir(path), n.Stem()+".postgres"+autocommit+".up.sql")
}

// tailOf returns the bytes of the statements that follow st in its
// section (same direction, up to the next section marker), and false when
// none follows.
func tailOf(f *migration.File, st *migration.Statement) (sqlparse.Span, bool) {
	var last *migration.Statement
	first := -1
	for _, s := range f.Statements[st.Index+1:] {
		if s.Direction != st.Direction || s.Tx != st.Tx {
			break
		}
		if first < 0 {
			first = block(f, s).Start
		}
		last = s
	}
	if last == nil {
		return sqlparse.Span{}, false
	}
	start := block(f, st).End
	if first > start {
		start = first
	}
	return sqlparse.Span{Start: start, End: block(f, last).End}, true
}

// following returns the statements after st in its transaction, before
// the statement that ends it.
func following(f *migration.File, st *migration.Statement) []*migration.Statement {
	var out []*migration.Statement
	for _, s := range f.Statements[st.Index+1:] {
		if s.Tx != st.Tx || s.Node.GetTransactionStmt() != nil {
			break
		}
		out = append(out, s)
	}
	return out
}

// splitHere returns SQL that replaces st inside its transaction when
// statements follow it there: the first step if it allows a transaction,
// then COMMIT, the other steps, and BEGIN again for the statements after.
func splitHere(steps []Step) string {
	parts := []string{}
	rest := steps
	if !steps[0].NoTransaction {
		parts = append(parts, strings.TrimSpace(steps[0].SQL))
		rest = steps[1:]
	}
	parts = append(parts, "COMMIT;")
	if r := joinSteps(rest); r != "" {
		parts = append(parts, r)
	}
	return strings.Join(append(parts, "BEGIN;"), "\n")
}
