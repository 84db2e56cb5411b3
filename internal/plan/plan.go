// Package plan turns a linted migration set into the releases it
// implies: which migrations can run together, and which application
// change must be deployed before the next group of them runs.
//
// Application code keeps running while migrations apply, and through a
// rolling deploy the previous release's code runs against the new schema.
// A migration that drops, renames or retypes what that code uses, or that
// contracts an expand/contract change, may run only once the code that
// no longer needs the old shape is live: that deploy is a release
// boundary. The plan reads the boundaries from two sources:
//
//   - the findings of the rules about breaking running code:
//     column-type-change, rename-column, rename-table, drop-column,
//     drop-table, enum-rename-value, contract-before-expand,
//     breaks-dependent-object and breaks-application-query (the migration
//     side of the SELECT * and positional INSERT rules);
//   - the `-- pgsafe:contract after <expand file>` markers (package
//     contract): the contract runs in a later release than its expand
//     file.
//
// A boundary goes right before the migration that needs it. A migration
// that needs one joins the release that the previous boundary opened,
// rather than opening another, when nothing that release has run so far
// adds a table or column (which the code deployed before it could not
// have used yet) and every expand file or copy it depends on ran before
// that release. When the plan knows what has shipped (Options.Deployed),
// a change to a table or column that the same release created needs no
// boundary: no deployed code has used it; otherwise any earlier
// migration may have shipped on its own, and only what the migration
// itself created is exempt. Renames and a
// copy and drop in one file are unsafe in any order: no code runs on both
// sides of them.
package plan

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/contract"
	"github.com/pgsafe/pgsafe/internal/history"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/rules"
)

// Rules are the codes of the rules whose findings make release
// boundaries.
var Rules = []string{"PS024", "PS025", "PS026", "PS027", "PS028", "PS046", "PS054", "PS055", "PS056"}

// Kind says what a change does to the code that runs while it applies.
type Kind string

// The kinds of changes.
const (
	DropColumn   Kind = "drop-column"
	DropTable    Kind = "drop-table"
	RetypeColumn Kind = "retype-column"
	RenameColumn Kind = "rename-column"
	RenameTable  Kind = "rename-table"
	RenameValue  Kind = "rename-enum-value"
	Move         Kind = "move"
	Contract     Kind = "contract"
	Dependent    Kind = "dependent"
	Query        Kind = "query"
)

// Change is one change of a migration that the code deployed before it
// must be ready for.
type Change struct {
	Kind Kind `json:"kind"`
	// Rule is the code of the finding behind the change, "" for a
	// contract migration.
	Rule string `json:"rule,omitempty"`
	Path string `json:"path"`
	Line int    `json:"line"`
	// Subject is what the change is about, as the code names it:
	// "accounts.email", "accounts".
	Subject string `json:"subject,omitempty"`
	// Deploy says what the application code deployed before the change
	// must do.
	Deploy string `json:"deploy"`
	// Message is the finding's message; for a contract migration, the
	// expand file it completes.
	Message string `json:"message"`
	// Unsafe reports a change that no order of deploys makes safe for
	// running code: it must be rewritten (expand and contract).
	Unsafe bool `json:"unsafe"`
}

// Migration is one migration of a release.
type Migration struct {
	Path string `json:"path"`
	// ContractAfter is the expand file that a contract migration
	// completes, from its marker; "" for other migrations.
	ContractAfter string `json:"contract_after,omitempty"`
	// Unparsed reports a file with a syntax error, whose changes the plan
	// cannot see.
	Unparsed bool `json:"unparsed,omitempty"`
}

// Release is a group of migrations that run together, and the
// application changes that must be live before they run.
type Release struct {
	Number int `json:"release"`
	// DeployFirst lists what the application code deployed before the
	// release's migrations run must do; empty when any code will do.
	DeployFirst []Change    `json:"deploy_first"`
	Migrations  []Migration `json:"migrations"`
}

// Plan is the releases a migration set implies.
type Plan struct {
	// Deployed are the migrations that have shipped already, in order;
	// the plan starts after them.
	Deployed []string  `json:"deployed"`
	Releases []Release `json:"releases"`
	// Unsafe lists the changes, of every release, that no order of
	// deploys makes safe.
	Unsafe []Change `json:"unsafe"`
}

// Options configure Build.
type Options struct {
	// Deployed reports whether a migration has shipped already (release
	// tags, --changed-since); nil means none has.
	Deployed func(path string) bool
}

// Build plans the releases of a linted set. res must hold the findings
// of the rules in Rules that are enabled, and the set's history.
func Build(res *lint.Result, opts Options) *Plan {
	p := &Plan{Deployed: []string{}, Releases: []Release{}, Unsafe: []Change{}}
	b := builder{h: res.History, files: res.Files, byPath: map[string][]rules.Diagnostic{},
		knowsShipped: opts.Deployed != nil, expanding: map[string]bool{}}
	codes := map[string]bool{}
	for _, c := range Rules {
		codes[c] = true
	}
	for _, d := range res.Diagnostics {
		if d.Rule != nil && codes[d.Rule.Code] && !d.Down {
			b.byPath[d.Path] = append(b.byPath[d.Path], d)
		}
	}
	var cur *Release
	start := -1 // the set index of the current release's first migration
	for _, f := range res.Files {
		if f.Direction == migration.Down {
			continue
		}
		if opts.Deployed != nil && opts.Deployed(f.Path) {
			p.Deployed = append(p.Deployed, f.Path)
			continue
		}
		i, _ := b.h.Index(f.Path)
		if cur == nil {
			p.Releases = append(p.Releases, Release{Number: 1, DeployFirst: []Change{}})
			cur, start = &p.Releases[0], i
		}
		m := Migration{Path: f.Path, Unparsed: f.SyntaxError != nil}
		changes, after := b.changes(f, start)
		if expand, ok := b.expandOf(f); ok {
			m.ContractAfter = expand
		}
		if len(changes) > 0 && len(cur.Migrations) > 0 && !b.canJoin(cur, start, after) {
			p.Releases = append(p.Releases, Release{Number: len(p.Releases) + 1, DeployFirst: []Change{}})
			cur, start = &p.Releases[len(p.Releases)-1], i
		}
		cur.DeployFirst = append(cur.DeployFirst, changes...)
		cur.Migrations = append(cur.Migrations, m)
		for _, c := range changes {
			if c.Unsafe {
				p.Unsafe = append(p.Unsafe, c)
			}
		}
	}
	return p
}

// builder holds what Build reads while it walks the set.
type builder struct {
	h *history.History
	// files are the set's migrations, in the history's order.
	files  []*migration.File
	byPath map[string][]rules.Diagnostic
	// knowsShipped reports that the plan knows what has shipped: what the
	// unshipped migrations of a release create, no code has used yet.
	// Otherwise any earlier migration may have shipped on its own.
	knowsShipped bool
	// expanding caches expands, by path.
	expanding map[string]bool
}

// path returns the path of the migration at set index i.
func (b *builder) path(i int) string { return b.files[i].Path }

// canJoin reports whether a migration whose changes depend on the set
// index after (the last expand file or copy they need) can join the
// current release, which starts at set index start: the code deployed
// before the release is then ready for them too.
func (b *builder) canJoin(cur *Release, start, after int) bool {
	if after >= start {
		return false
	}
	for _, m := range cur.Migrations {
		if b.expands(m.Path) {
			return false
		}
	}
	return true
}

// expands reports whether the migration at path adds a table, a view
// or a column, or renames one, which code deployed before it cannot
// have used.
func (b *builder) expands(path string) bool {
	if x, ok := b.expanding[path]; ok {
		return x
	}
	x := false
	for _, ev := range b.h.Changes(path) {
		switch ev.Kind {
		case schema.TableCreated, schema.ColumnAdded, schema.TableRenamed, schema.ColumnRenamed:
			x = true
		default:
		}
	}
	b.expanding[path] = x
	return x
}

// expandOf returns the expand file that the contract marker of f names,
// when it is a migration of the set that runs before f.
func (b *builder) expandOf(f *migration.File) (string, bool) {
	m, ok := contract.Of(f.Comments)
	if !ok {
		return "", false
	}
	e, ok := b.h.Index(contract.ExpandPath(f.Path, m.Expand))
	c, _ := b.h.Index(f.Path)
	if !ok || e >= c {
		return "", false
	}
	return b.path(e), true
}

// changes returns what the code deployed before migration f must be
// ready for, given that the current release starts at set index start,
// and the set index of the last migration those changes build on (the
// expand file of a contract, the copy of a move; -1 for none).
func (b *builder) changes(f *migration.File, start int) ([]Change, int) {
	after := -1
	var out []Change
	self, _ := b.h.Index(f.Path)
	// The contract marker, when it names an expand file that runs
	// before f; contract-pending reports any other, and the plan reads
	// such a file's drops as plain drops.
	var contracted map[string]bool
	if m, ok := contract.Of(f.Comments); ok {
		if e, known := b.h.Index(contract.ExpandPath(f.Path, m.Expand)); known && e < self {
			after = e
			drops := b.drops(f)
			contracted = map[string]bool{}
			for _, d := range drops {
				contracted[d] = true
			}
			deploy := "reads and writes what " + b.path(e) + " added"
			if adds := b.adds(b.files[e]); len(adds) > 0 {
				deploy = "reads and writes " + list(adds)
			}
			if len(drops) > 0 {
				deploy += " instead of " + list(drops)
			}
			out = append(out, Change{Kind: Contract, Path: f.Path, Line: f.Lines.Position(m.Comment.Start).Line,
				Subject: strings.Join(drops, ", "), Deploy: deploy, Message: "contract migration of " + b.path(e)})
		}
	}
	seen := map[string]bool{} // subjects already covered, by a move or the marker
	var rest []Change
	for _, d := range b.byPath[f.Path] {
		stmt := statementAt(f, d.Span.Start)
		line := f.Lines.Position(d.Span.Start).Line
		base := Change{Rule: d.Rule.Code, Path: f.Path, Line: line, Message: d.Message}
		if stmt < 0 {
			rest = append(rest, describe(base, d))
			continue
		}
		if d.Rule.Code == "PS054" {
			for _, c := range b.moves(base, f, stmt) {
				if c.Subject != "" && seen[c.Subject] {
					continue
				}
				seen[c.Subject] = true
				out = append(out, c.Change)
				if i, ok := b.h.Index(c.copyPath); ok && i > after {
					after = i
				}
			}
			continue
		}
		evs := b.h.At(f.Path, stmt)
		since := self // what the migration itself creates, no code has used
		if b.knowsShipped {
			since = start
		}
		subjects := b.subjects(d.Rule.Code, evs, since)
		if subjects == nil {
			rest = append(rest, describe(base, d))
			continue
		}
		for _, s := range subjects {
			c := base
			c.Kind, c.Subject = s.kind, s.name
			c = describe(c, d)
			if len(s.uses) > 0 {
				c.Deploy += " (" + list(s.uses) + ")"
			}
			rest = append(rest, c)
		}
	}
	for _, c := range rest {
		key := c.Subject
		switch c.Kind {
		case Dependent:
			key = string(c.Kind) + " " + c.Subject + " " + c.Message
		case Query:
			key = string(c.Kind) + " " + c.Subject
		default:
		}
		if key != "" && (seen[key] || contracted[c.Subject]) {
			continue
		}
		seen[key] = true
		out = append(out, c)
	}
	return out, after
}

// subject is what one change of a statement is about.
type subject struct {
	kind Kind
	name string
	// uses are the application queries that read the table with * or
	// fill it by position, for a change of kind Query: "users.sql:2".
	uses []string
}

// subjects returns what a finding of rule code is about, from the
// changes evs of its statement: the columns and tables the code uses
// that the statement drops, renames or retypes, leaving out those that
// came into being since set index start (no deployed code has used
// them). It returns an empty, non-nil list when all of them did, and nil
// when the history knows none of the statement's changes.
func (b *builder) subjects(code string, evs []history.Event, start int) []subject {
	want := map[schema.ChangeKind]Kind{}
	switch code {
	case "PS024":
		want[schema.ColumnRetyped] = RetypeColumn
	case "PS025":
		want[schema.ColumnRenamed] = RenameColumn
	case "PS026":
		want[schema.TableRenamed] = RenameTable
	case "PS027":
		want[schema.ColumnDropped] = DropColumn
	case "PS028":
		want[schema.TableDropped] = DropTable
	case "PS055", "PS056":
		kind := Dependent
		if code == "PS056" {
			kind = Query
		}
		for _, k := range []schema.ChangeKind{schema.ColumnDropped, schema.ColumnRenamed, schema.ColumnRetyped, schema.TableDropped, schema.TableRenamed, schema.ColumnAdded} {
			want[k] = kind
		}
	default:
		return nil
	}
	var out []subject
	found := false
	for _, ev := range evs {
		kind, ok := want[ev.Kind]
		if !ok {
			continue
		}
		found = true
		if born := b.born(ev); born >= start {
			continue
		}
		name := pgast.DisplayName(ev.Key)
		switch {
		case kind == Query:
			// The queries read the table's columns as a whole.
		case ev.Kind == schema.TableRenamed:
			name = pgast.DisplayName(ev.OldKey)
		case ev.Kind == schema.ColumnRenamed:
			name += "." + ev.OldName
		case ev.Kind == schema.ColumnDropped || ev.Kind == schema.ColumnRetyped || ev.Kind == schema.ColumnAdded:
			name += "." + ev.Column
		default:
		}
		sub := subject{kind: kind, name: name}
		if kind == Query {
			for _, u := range b.h.Uses(ev.Table) {
				sub.uses = append(sub.uses, fmt.Sprintf("%s:%d", u.Path, u.Line))
			}
		}
		out = append(out, sub)
	}
	if !found {
		return nil
	}
	if out == nil {
		out = []subject{}
	}
	return out
}

// born returns the set index of the migration that created what event
// ev changes (the column, for a column change; the relation otherwise),
// -1 when the set did not create it (it came from the starting schema).
func (b *builder) born(ev history.Event) int {
	born := -1
	for _, x := range b.h.Events(ev.Table) {
		if !x.Before(ev.Site) {
			break
		}
		switch {
		case x.Kind == schema.TableCreated:
			born, _ = b.h.Index(x.Path)
		case x.Kind == schema.ColumnAdded && ev.Num != 0 && x.Num == ev.Num && ev.Kind != schema.TableDropped && ev.Kind != schema.TableRenamed:
			born, _ = b.h.Index(x.Path)
		default:
		}
	}
	return born
}

// moveChange is a Change of kind Move with the copy's path.
type moveChange struct {
	Change
	copyPath string
}

// moves returns the moves whose source statement stmt of f drops: one
// change per dropped column, or per dropped table, naming where the
// values went.
func (b *builder) moves(base Change, f *migration.File, stmt int) []moveChange {
	var out []moveChange
	var dsts [][]string
	byFrom := map[string]int{} // subject -> index in out
	for _, mv := range b.h.Moves(f.Path, stmt) {
		from := pgast.DisplayName(mv.From.Table)
		to := pgast.DisplayName(mv.To.Table)
		subj, dst := from+"."+mv.From.Column, to+"."+mv.To.Column
		if mv.DropsTable {
			subj, dst = from, to
		}
		k, ok := byFrom[subj]
		if !ok {
			c := base
			c.Kind, c.Subject = Move, subj
			k = len(out)
			byFrom[subj] = k
			out = append(out, moveChange{Change: c, copyPath: mv.Copy.Path})
			dsts = append(dsts, nil)
		}
		if !slices.Contains(dsts[k], dst) {
			dsts[k] = append(dsts[k], dst)
		}
		if mv.Copy.Path == f.Path {
			out[k].Unsafe = true
		}
		if later, _ := b.h.Index(mv.Copy.Path); later > index(b.h, out[k].copyPath) {
			out[k].copyPath = mv.Copy.Path
		}
	}
	for k := range out {
		c := &out[k]
		c.Deploy = "reads and writes " + list(dsts[k]) + " instead of " + c.Subject
		if c.Unsafe {
			c.Deploy += "; but the copy runs in the same file as the drop, so no deploy fits between them: split the " +
				"file into expand and contract"
		}
	}
	return out
}

// index returns the set index of the migration at path, -1 when it is
// not one.
func index(h *history.History, path string) int {
	if i, ok := h.Index(path); ok {
		return i
	}
	return -1
}

// adds lists the tables (views included) and columns that migration f
// creates, a table's columns not listed apart.
func (b *builder) adds(f *migration.File) []string {
	var out []string
	created := map[int]bool{}
	for _, ev := range b.h.Changes(f.Path) {
		switch {
		case ev.Kind == schema.TableCreated:
			created[ev.Table] = true
			out = append(out, pgast.DisplayName(ev.Key))
		case ev.Kind == schema.ColumnAdded && !created[ev.Table]:
			out = append(out, pgast.DisplayName(ev.Key)+"."+ev.Column)
		default:
		}
	}
	return out
}

// drops lists the columns and tables that migration f drops.
func (b *builder) drops(f *migration.File) []string {
	var out []string
	for _, ev := range b.h.Changes(f.Path) {
		switch ev.Kind {
		case schema.ColumnDropped:
			out = append(out, pgast.DisplayName(ev.Key)+"."+ev.Column)
		case schema.TableDropped:
			out = append(out, pgast.DisplayName(ev.Key))
		default:
		}
	}
	return out
}

// describe fills in what the code deployed before a change must do, by
// the finding's rule.
func describe(c Change, d rules.Diagnostic) Change {
	s := c.Subject
	if s == "" {
		s = d.Table
	}
	switch d.Rule.Code {
	case "PS024":
		c.Kind = RetypeColumn
		c.Deploy = "reads and writes " + s + " in both its old and its new type"
	case "PS025":
		c.Kind, c.Unsafe = RenameColumn, true
		c.Deploy = "uses the new name of " + s + ", which fails until the rename runs, as the old name fails after " +
			"it: no code works on both sides, so rewrite it as expand and contract (a new column kept in sync, or a " +
			"view with the old name)"
	case "PS026":
		c.Kind, c.Unsafe = RenameTable, true
		c.Deploy = "uses the new name of " + s + ", which fails until the rename runs, as the old name fails after " +
			"it: no code works on both sides, so rename it and create a view with the old name in the same transaction"
	case "PS046":
		c.Kind, c.Unsafe = RenameValue, true
		c.Deploy = "uses the new enum value, which fails until the rename runs, as the old value fails after it: " +
			"add the new value instead, move the code and the rows to it, and stop using the old one later"
	case "PS027":
		c.Kind = DropColumn
		c.Deploy = "no longer reads or writes " + s + " (tell the ORM to ignore it)"
	case "PS028":
		c.Kind = DropTable
		c.Deploy = "no longer uses " + s
	case "PS055":
		c.Kind = Dependent
		c.Deploy = "no longer uses the views or functions that the change breaks (" + d.Message + ")"
	case "PS056":
		c.Kind = Query
		c.Deploy = "names the columns of " + s + " in its queries instead of * or a positional INSERT"
	default:
		c.Deploy = d.Message
	}
	if c.Kind == "" {
		c.Kind = Kind(d.Rule.Name)
	}
	return c
}

// statementAt returns the index of f's statement that holds offset off,
// -1 when none does.
func statementAt(f *migration.File, off int) int {
	i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Span.Start > off }) - 1
	if i < 0 || off >= f.Statements[i].Span.End {
		return -1
	}
	return i
}

// list joins names: "a", "a and b", "a, b and c".
func list(names []string) string {
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
