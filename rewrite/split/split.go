// Package split places the steps that replace statements of a migration
// file, SQL that must run in a transaction of its own or outside any, the
// way the file's migration tool allows: in place where statements
// autocommit, split around an explicit BEGIN ... COMMIT, by marking the
// file to run without the tool's transaction (and keeping the rest of it
// atomic in explicit blocks where the tool allows), as new units of the
// same file (Liquibase changesets), or in new migrations named to run
// right after the file. It asks the file's tool (package tool) how, and
// knows no tool by name.
//
// Every replacement of a file is placed in one plan, so that a file with
// many hazards is rewritten in one round.
package split

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
)

// Step is SQL that must run in a transaction of its own, after the steps
// before it have committed.
type Step struct {
	// SQL holds one or more statements, each ending with ";". Empty SQL
	// only ends the transaction that the statement ran in.
	SQL string
	// NoTransaction says the step cannot run inside a transaction block
	// (a CONCURRENTLY form, or a DO block that commits); it must then be a
	// single statement.
	NoTransaction bool
}

// Replacement replaces one statement of a file with steps, run in order:
// the first shares the statement's transaction when it allows one, each
// other runs in a transaction of its own or outside any, and the
// statements after the replaced one run after the last step.
type Replacement struct {
	Stmt  *migration.Statement
	Steps []Step
}

// Placed says where the steps of one replacement went.
type Placed struct {
	// How says it in words for the fix title: "in place", "in new
	// migration 4_x.up.sql", ...
	How string
	// Err, wrapping ErrCannotSplit, says why the steps have no place; the
	// replacement then has no edits.
	Err error
}

// Plan is the edits that carry out the replacements of one file.
type Plan struct {
	Edits []tool.Edit
	// Placed is where each replacement went, in the order given.
	Placed []Placed
}

// ErrCannotSplit is wrapped by the errors of replacements that cannot be
// placed mechanically; callers fall back to a display-only recipe.
var ErrCannotSplit = tool.ErrNoRoom

func cannot(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCannotSplit}, args...)...)
}

// File places the replacements of f, whose statements must be those of
// distinct replacements. x knows the files of the run, for new names.
func File(f *migration.File, reps []Replacement, x *tool.Index) Plan {
	p := &planner{f: f, x: x, placed: make([]Placed, len(reps)), tf: toolFile(f)}
	if c := f.Tool.Compound; c != nil {
		// The tool splits statements at lines that end with a semicolon:
		// the steps' bodies must say where they end.
		reps = compounded(reps, c)
	}
	var direct, explicit, toolTx []int
	for i, r := range reps {
		if err := checkSteps(r.Steps); err != nil {
			p.placed[i].Err = err
			continue
		}
		st := r.Stmt
		sec := f.Sections[st.Section]
		switch {
		case sec.Run == tool.Autocommit && st.Tx == nil:
			direct = append(direct, i)
		case sec.Run == tool.Query && len(r.Steps) == 1 && p.aloneInSection(st):
			// One query of one statement, which runs outside any
			// transaction, stays one query of one step.
			direct = append(direct, i)
		case st.Tx != nil && st.Tx.Kind == migration.TxExplicit && sec.Run == tool.Autocommit:
			explicit = append(explicit, i)
		case st.Tx != nil && st.Tx.Kind == migration.TxExplicit:
			p.placed[i].Err = cannot("the file runs as %s, so statements after its COMMIT do not run on their own", sec.Run)
		default:
			toolTx = append(toolTx, i)
		}
	}
	for _, i := range direct {
		r := reps[i]
		text := p.joinSteps(r.Steps)
		if start := r.Stmt.Span.Start; start > 0 && p.f.Text[start-1] != '\n' && strings.HasPrefix(text, "--") {
			// The statement shares its line with another: a comment that
			// leads the steps starts a line of its own.
			text = "\n" + text
		}
		p.edit(narrow(p.f.Text, r.Stmt.Span.Start, r.Stmt.Extent.End, text))
		p.placed[i].How = "in place"
	}
	spans := map[*migration.Transaction][]int{}
	for _, i := range explicit {
		spans[reps[i].Stmt.Tx] = append(spans[reps[i].Stmt.Tx], i)
	}
	for _, ids := range spans {
		p.splitSpan(p.explicitSpan(reps[ids[0]].Stmt.Tx), reps, ids)
	}
	if len(toolTx) > 0 {
		p.leaveTool(reps, toolTx)
	}
	if c := f.Tool.Compound; c != nil {
		p.endCompoundLines(c)
	}
	sort.SliceStable(p.edits, func(i, j int) bool {
		a, b := p.edits[i], p.edits[j]
		if a.Path != b.Path {
			return a.Path == f.Path
		}
		return a.Start < b.Start
	})
	return Plan{Edits: p.edits, Placed: p.placed}
}

// compounded returns reps with every statement of their steps that c's
// tool would cut short enclosed in c's lines.
func compounded(reps []Replacement, c *tool.Compound) []Replacement {
	out := make([]Replacement, len(reps))
	for i, r := range reps {
		steps := make([]Step, len(r.Steps))
		for j, s := range r.Steps {
			steps[j] = Step{SQL: c.WrapCompound(s.SQL), NoTransaction: s.NoTransaction}
		}
		out[i] = Replacement{Stmt: r.Stmt, Steps: steps}
	}
	return out
}

// endCompoundLines ends the line of every edit of the file that ends
// with c's closing annotation where more of the original line follows
// (a comment after the replaced statement): the tool reads the
// annotation only on a line of its own.
func (p *planner) endCompoundLines(c *tool.Compound) {
	for i, e := range p.edits {
		if e.Path != p.f.Path || !strings.HasSuffix(e.NewText, c.End) {
			continue
		}
		rest := p.f.Text[e.End:]
		if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if strings.TrimSpace(rest) != "" {
			p.edits[i].NewText += "\n"
		}
	}
}

// planner accumulates the edits of one file's plan.
type planner struct {
	f      *migration.File
	tf     *tool.File
	x      *tool.Index
	edits  []tool.Edit
	placed []Placed
	// mark is len(edits) when the current section's groups began, to
	// drop their edits when the section cannot be placed.
	mark int
	// emptied reports that the last cut left its section without a
	// statement; firstAt is where the section's first statement was.
	emptied bool
	firstAt int
}

// edit replaces bytes [start, end) of the file.
func (p *planner) edit(start, end int, text string) {
	p.edits = append(p.edits, tool.Edit{Path: p.f.Path, Start: start, End: end, NewText: text})
}

// narrow shrinks the replacement of text[start:end] by repl to the bytes
// that differ, so that an editor or a SARIF viewer shows the change
// itself ("CREATE INDEX" gains " CONCURRENTLY") rather than the whole
// statement. It cuts only between whole characters, and keeps the whole
// range when what is left would be an insertion at its edge, where another
// edit may start or end.
func narrow(text string, start, end int, repl string) (int, int, string) {
	old := text[start:end]
	pre := 0
	for pre < len(old) && pre < len(repl) && old[pre] == repl[pre] {
		pre++
	}
	for pre > 0 && (pre < len(old) && !utf8.RuneStart(old[pre]) || pre < len(repl) && !utf8.RuneStart(repl[pre])) {
		pre--
	}
	suf := 0
	for suf < len(old)-pre && suf < len(repl)-pre && old[len(old)-1-suf] == repl[len(repl)-1-suf] {
		suf++
	}
	for suf > 0 && !utf8.RuneStart(old[len(old)-suf]) {
		suf--
	}
	s, e := start+pre, end-suf
	if s == e && (s == start || e == end) {
		return start, end, repl
	}
	return s, e, repl[pre : len(repl)-suf]
}

// toolFile returns f as its tool reads it.
func toolFile(f *migration.File) *tool.File {
	return &tool.File{Path: f.Path, Text: f.Text, Comments: f.Comments}
}

// checkSteps rejects steps that cannot be placed as given.
func checkSteps(steps []Step) error {
	if len(steps) == 0 {
		return cannot("nothing to run")
	}
	for _, s := range steps {
		if s.NoTransaction && !isSingleStatement(s.SQL) {
			return cannot("a step without a transaction must be one statement")
		}
	}
	return nil
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

// leaveTool places the replacements of statements that run in the
// transaction the tool opens (or in one multi-statement query), the ways
// the tool offers, in order of preference: mark the file to run without
// the transaction, add units to the file, or add new migrations.
func (p *planner) leaveTool(reps []Replacement, ids []int) {
	t, exit := p.f.Tool, p.f.Tool.Exit
	if exit.Stuck != "" {
		for _, i := range ids {
			p.placed[i].Err = cannot("%s", exit.Stuck)
		}
		return
	}
	if exit.NoTxWhy != "" {
		var rest []int
		for _, i := range ids {
			if needsNoTx(reps[i].Steps) {
				p.placed[i].Err = cannot("%s", exit.NoTxWhy)
			} else {
				rest = append(rest, i)
			}
		}
		ids = rest
	}
	if len(ids) == 0 {
		return
	}
	if exit.NoTransaction != nil && p.markable(reps, ids) {
		if mark, edits, err := exit.NoTransaction(p.tf); err == nil {
			p.edits = append(p.edits, edits...)
			for _, i := range ids {
				r := reps[i]
				p.edit(r.Stmt.Span.Start, r.Stmt.Extent.End, strings.TrimSpace(r.Steps[0].SQL))
				p.placed[i].How = "with " + mark
			}
			return
		}
	}
	if exit.NoTransaction != nil && exit.Blocks {
		mark, edits, err := exit.NoTransaction(p.tf)
		if err == nil {
			p.edits = append(p.edits, edits...)
			p.blocks(reps, ids)
			for _, i := range ids {
				if p.placed[i].Err == nil {
					p.placed[i].How = "with " + mark + " and an explicit transaction around the rest"
				}
			}
			return
		}
		for _, i := range ids {
			p.placed[i].Err = err
		}
		return
	}
	// Units and new migrations work section by section.
	bySection := map[int][]int{}
	var secs []int
	for _, i := range ids {
		s := reps[i].Stmt.Section
		if _, ok := bySection[s]; !ok {
			secs = append(secs, s)
		}
		bySection[s] = append(bySection[s], i)
	}
	sort.Ints(secs)
	for _, s := range secs {
		sids := bySection[s]
		sec := p.f.Sections[s]
		if len(sids) == 1 && len(reps[sids[0]].Steps) == 1 && p.aloneInSection(reps[sids[0]].Stmt) && exit.MarkSection != nil {
			// A section of one statement, replaced by one step: the
			// section is marked to run without the transaction, in place.
			if edits, ok := exit.MarkSection(p.tf, sec); ok {
				r := reps[sids[0]]
				p.edits = append(p.edits, edits...)
				p.edit(r.Stmt.Span.Start, r.Stmt.Extent.End, strings.TrimSpace(r.Steps[0].SQL))
				p.placed[sids[0]].How = "with " + sectionName(sec) + " marked to run without a transaction"
				continue
			}
		}
		switch {
		case exit.Units != nil:
			p.units(reps, sids, s)
		case exit.Versions != nil && sec.Direction == tool.Up:
			p.versions(reps, sids, s)
		case exit.Versions != nil:
			for _, i := range sids {
				p.placed[i].Err = cannot("a down migration cannot be split into new migrations: rolling back one version runs its one down migration, and %s runs it as %s", t.Name, sec.Run)
			}
		default:
			for _, i := range sids {
				p.placed[i].Err = cannot("%s runs the file as %s, and pgsafe knows no way to run a statement outside it", t.Name, sec.Run)
			}
		}
	}
}

// aloneInSection reports whether st is the only statement of its
// section.
func (p *planner) aloneInSection(st *migration.Statement) bool {
	for _, o := range p.f.Statements {
		if o != st && o.Section == st.Section {
			return false
		}
	}
	return true
}

// needsNoTx reports whether a step must run outside any transaction.
func needsNoTx(steps []Step) bool {
	for _, s := range steps {
		if s.NoTransaction {
			return true
		}
	}
	return false
}

// markable reports whether the file can simply be marked to run without
// the tool's transaction: every replacement is one step that needs no
// transaction, and every other statement of the file, in either direction
// (a mark covers the whole file), is itself a CONCURRENTLY form or a
// setting, so that nothing loses the atomicity it had.
func (p *planner) markable(reps []Replacement, ids []int) bool {
	replaced := map[*migration.Statement]bool{}
	for _, i := range ids {
		r := reps[i]
		if len(r.Steps) != 1 || !r.Steps[0].NoTransaction {
			return false
		}
		replaced[r.Stmt] = true
	}
	for _, s := range p.f.Statements {
		if !replaced[s] && !s.Concurrently && !s.Setting {
			return false
		}
	}
	return true
}

// blocks places replacements in a file that is marked to run statement
// by statement: every section that ran in the tool's transaction keeps
// its atomicity in an explicit BEGIN ... COMMIT, split around the steps.
func (p *planner) blocks(reps []Replacement, ids []int) {
	bySection := map[int][]int{}
	for _, i := range ids {
		bySection[reps[i].Stmt.Section] = append(bySection[reps[i].Stmt.Section], i)
	}
	for s, sec := range p.f.Sections {
		if !sec.Run.InTransaction() {
			continue
		}
		var stmts []*migration.Statement
		for _, st := range p.f.Statements {
			if st.Section == s {
				stmts = append(stmts, st)
			}
		}
		if len(stmts) == 0 {
			continue
		}
		p.splitSpan(span{stmts: stmts}, reps, bySection[s])
	}
}

// versions places replacements of one up section in new migrations: the
// statements before the first step that needs a transaction of its own
// stay in the file, and each later group (a step, or the statements
// between two steps) becomes a new migration, named to run right after
// the file.
func (p *planner) versions(reps []Replacement, ids []int, s int) {
	groups, ok := p.groups(reps, ids, s)
	if !ok || len(groups) == 0 {
		p.finishGroups(reps, ids, "in place")
		return
	}
	groups = p.keepFirst(groups, s)
	if len(groups) == 0 {
		p.finishGroups(reps, ids, "in place")
		return
	}
	vs, err := p.f.Tool.Exit.Versions(p.f.Path, len(groups), p.x)
	if err != nil {
		p.failGroups(reps, ids, err)
		return
	}
	var names []string
	for i, g := range groups {
		v := vs[i]
		path := v.Path
		if g.noTx && v.NoTxPath != "" {
			path = v.NoTxPath
		}
		body := v.Body(g.sql, g.noTx)
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		p.edits = append(p.edits, tool.Edit{Path: path, NewText: body})
		if v.Companions != nil {
			for cp, text := range v.Companions(g.noTx) {
				p.edits = append(p.edits, tool.Edit{Path: cp, NewText: text})
			}
		}
		names = append(names, filepath.Base(path))
	}
	p.finishGroups(reps, ids, "in new migration "+strings.Join(names, ", "))
}

// units places replacements of one section in new units of the file,
// right after the section.
func (p *planner) units(reps []Replacement, ids []int, s int) {
	groups, ok := p.groups(reps, ids, s)
	if !ok || len(groups) == 0 {
		p.finishGroups(reps, ids, "in place")
		return
	}
	groups = p.keepFirst(groups, s)
	if len(groups) == 0 {
		p.finishGroups(reps, ids, "in place")
		return
	}
	steps := make([]tool.UnitStep, len(groups))
	for i, g := range groups {
		steps[i] = tool.UnitStep{SQL: g.sql, NoTx: g.noTx}
	}
	text, err := p.f.Tool.Exit.Units(p.tf, p.f.Sections[s], steps)
	if err != nil {
		p.failGroups(reps, ids, err)
		return
	}
	at := p.sectionStop(s)
	p.edit(at, at, terminate(p.f.Text[:at])+text)
	p.finishGroups(reps, ids, "in new units after "+sectionName(p.f.Sections[s]))
}

func sectionName(sec tool.Section) string {
	if sec.Label != "" {
		return sec.Label
	}
	return "its section"
}

// finishGroups records how the replacements of a section were placed,
// keeping errors that came earlier.
func (p *planner) finishGroups(_ []Replacement, ids []int, how string) {
	for _, i := range ids {
		if p.placed[i].Err == nil {
			p.placed[i].How = how
		}
	}
}

// failGroups drops the edits the section's groups made to the file and
// records err for each replacement.
func (p *planner) failGroups(_ []Replacement, ids []int, err error) {
	p.edits = p.edits[:p.mark]
	for _, i := range ids {
		p.placed[i].Err = err
	}
}

// keepFirst puts the first group back in the file when the cut left the
// section without a statement and the section can run the group as it
// runs: a file is never left empty of what it was for. It returns the
// groups that still move.
func (p *planner) keepFirst(groups []group, s int) []group {
	if !p.emptied {
		return groups
	}
	sec := p.f.Sections[s]
	if groups[0].noTx && sec.Run != tool.Query {
		// The section must then run without the tool's transaction.
		mark := p.f.Tool.Exit.MarkSection
		if mark == nil {
			return groups
		}
		edits, ok := mark(p.tf, sec)
		if !ok {
			return groups
		}
		p.edits = append(p.edits, edits...)
	}
	p.edit(p.firstAt, p.firstAt, groups[0].sql+"\n")
	return groups[1:]
}

// group is SQL that moves out of the file: a step, or the statements
// between two steps.
type group struct {
	sql  string
	noTx bool
}

// groups cuts section s at its replacements: it edits the file so that
// it keeps the statements before the first cut (and the part of a
// replaced statement that shares their transaction), removes the rest,
// and returns what moved, in order. ok is false when nothing moves.
func (p *planner) groups(reps []Replacement, ids []int, s int) ([]group, bool) {
	p.mark = len(p.edits)
	byStmt := map[*migration.Statement]Replacement{}
	for _, i := range ids {
		byStmt[reps[i].Stmt] = reps[i]
	}
	var out []group
	var cur []string // the statements of the tx group being gathered
	flush := func() {
		if len(cur) > 0 {
			out = append(out, group{sql: strings.Join(cur, "\n")})
		}
		cur = nil
	}
	moving := false
	kept := 0
	p.emptied, p.firstAt = false, -1
	for _, st := range p.f.Statements {
		if st.Section != s {
			continue
		}
		if p.firstAt < 0 {
			p.firstAt = p.moveBlock(st).Start
		}
		r, replaced := byStmt[st]
		if !moving && !replaced {
			kept++
		}
		if !moving && !replaced {
			continue
		}
		if !replaced {
			b := p.moveBlock(st)
			cur = append(cur, strings.TrimSpace(p.f.Text[b.Start:b.End]))
			p.edit(b.Start, b.End, "")
			continue
		}
		inTx, rest := firstInTx(r.Steps)
		if !moving {
			if inTx != "" {
				kept++
				p.edit(st.Span.Start, st.Extent.End, inTx)
			} else {
				b := p.moveBlock(st)
				p.edit(b.Start, b.End, "")
				rest = withComments(rest, p.f.Text[b.Start:st.Span.Start], p.f.Text[st.Extent.End:b.End])
			}
			moving = true
		} else {
			b := p.moveBlock(st)
			p.edit(b.Start, b.End, "")
			if inTx != "" {
				cur = append(cur, inTx)
			}
		}
		flush()
		for _, step := range rest {
			if sql := strings.TrimSpace(step.SQL); sql != "" {
				out = append(out, group{sql: sql, noTx: step.NoTransaction})
			}
		}
	}
	flush()
	p.emptied = moving && kept == 0
	return out, moving
}

// withComments gives the first of steps, which takes the place of a
// statement that moves, the statement's leading comment lines and the
// comment that followed it on its line.
func withComments(steps []Step, lead, trail string) []Step {
	lead, trail = strings.TrimSpace(lead), strings.TrimSpace(trail)
	if len(steps) == 0 || (lead == "" && trail == "") {
		return steps
	}
	sql := strings.TrimSpace(steps[0].SQL)
	if lead != "" {
		sql = lead + "\n" + sql
	}
	if trail != "" {
		sql += " " + trail
	}
	return append([]Step{{SQL: sql, NoTransaction: steps[0].NoTransaction}}, steps[1:]...)
}

// firstInTx splits steps into the SQL that shares the replaced
// statement's transaction and the steps that come after it.
func firstInTx(steps []Step) (string, []Step) {
	if len(steps) == 0 || steps[0].NoTransaction {
		return "", steps
	}
	return strings.TrimSpace(steps[0].SQL), steps[1:]
}

// moveBlock returns the bytes of st that leave the file when it moves:
// its block, less a section marker among its leading comments, which
// stays.
func (p *planner) moveBlock(st *migration.Statement) sqlparse.Span {
	b := block(p.f, st)
	sec := p.f.Sections[st.Section]
	if sec.Start >= b.Start && sec.Start < st.Span.Start {
		// Keep the marker's line.
		if nl := strings.IndexByte(p.f.Text[sec.Start:st.Span.Start], '\n'); nl >= 0 {
			b.Start = sec.Start + nl + 1
		} else {
			b.Start = st.Span.Start
		}
	}
	return b
}

// sectionStop returns where section s stops: where the next section's
// marker starts, or the end of the file; new units go there, after the
// section's trailing comments (a changeset's --rollback lines).
func (p *planner) sectionStop(s int) int {
	if s+1 < len(p.f.Sections) {
		return p.f.Sections[s+1].Start
	}
	return len(p.f.Text)
}

// joinSteps joins the SQL of steps that run where the statement was,
// statement by statement: a step of several statements, which must run
// in a transaction of its own, gets an explicit BEGIN and COMMIT.
func (p *planner) joinSteps(steps []Step) string {
	var parts []string
	for _, s := range steps {
		sql := strings.TrimSpace(s.SQL)
		if sql == "" {
			continue
		}
		if !s.NoTransaction && !isSingleStatement(sql) {
			sql = inTransaction(sql, p.f.Tool.Compound)
		}
		parts = append(parts, sql)
	}
	return strings.Join(parts, "\n")
}

// inTransaction wraps the statements of sql in BEGIN and COMMIT; comment
// lines that lead them stay above BEGIN, but for the line that opens a
// compound statement of the tool (c, nil for none), which goes with it.
func inTransaction(sql string, c *tool.Compound) string {
	lead := ""
	for strings.HasPrefix(sql, "--") && (c == nil || !strings.HasPrefix(sql, c.Begin)) {
		nl := strings.IndexByte(sql, '\n')
		if nl < 0 {
			break
		}
		lead, sql = lead+sql[:nl+1], sql[nl+1:]
	}
	return lead + "BEGIN;\n" + sql + "\nCOMMIT;"
}

// terminate returns "\n" when text does not end a line, so that what
// follows starts on a line of its own.
func terminate(text string) string {
	if text == "" || strings.HasSuffix(text, "\n") {
		return ""
	}
	return "\n"
}

// IsCannot reports whether err says that steps could not be placed.
func IsCannot(err error) bool { return errors.Is(err, ErrCannotSplit) }
