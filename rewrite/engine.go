package rewrite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rules"
)

// DefaultMaxRounds caps the fixed-point loop.
const DefaultMaxRounds = 100

// Options configure Fix.
type Options struct {
	// Unsafe also applies fixes whose safety is Unsafe.
	Unsafe bool
	// MaxRounds caps the rounds; 0 means DefaultMaxRounds.
	MaxRounds int
	// Only, when set, limits fixes to findings in the files it accepts
	// and in the files that fixes create; the other files are still read
	// for context.
	Only func(path string) bool
}

// Applied is one fix that was applied.
type Applied struct {
	Rule   *rules.Rule
	Title  string
	Safety rules.Safety
	Path   string // the file the finding was in
	Line   int    // the finding's line in the text it was found in
	// Message is the finding the fix resolves.
	Message string
	// Table, Before and After describe the lock change, when there is one.
	Table         string
	Before, After locks.Mode
	// NewFiles are files the fix's edits create or extend.
	NewFiles []string
}

// Skipped is a fix that was not applied, with the reason.
type Skipped struct {
	Rule   *rules.Rule
	Title  string
	Safety rules.Safety
	Path   string
	Line   int
	Reason string
}

// File is the outcome for one input file, or for a file that fixes create.
type File struct {
	Path     string
	Original string // "" for a created file
	Fixed    string
	Created  bool // the file did not exist before
	// SyntaxError is set when the input did not parse; such a file is
	// never changed. Syntax holds the error.
	SyntaxError bool
	Syntax      *sqlparse.SyntaxError
	// Written is set once Result.Write has written the file; WriteErr
	// says why it did not (or why the file, written, could not be put
	// back when the other files of its fix failed).
	Written  bool
	WriteErr error
}

// Changed reports whether the file's text differs from the original.
func (f *File) Changed() bool { return f.Created || f.Original != f.Fixed }

// Result is the outcome of Fix.
type Result struct {
	Files   []*File // inputs in order, then created files
	Applied []Applied
	Skipped []Skipped
	Rounds  int
}

// ErrNoConvergence is returned, wrapped, when fixes keep changing the
// files after the last round: a bug in a rule's fix.
var ErrNoConvergence = fmt.Errorf("fixes did not converge")

// Fix lints files with opts and applies the first fix of each finding,
// in the files and in the application query files of opts.Queries,
// round after round, until a round changes nothing. Fixes whose edits
// overlap an earlier fix of the same round wait for the next round. A
// round whose output for a file does not parse is dropped for that file.
// The lines that fixes add to a file with CRLF line endings get CRLF too
// (see keepLineEndings).
func Fix(files []source.File, opts lint.Options, fo Options) (*Result, error) {
	return FixContext(context.Background(), files, opts, fo)
}

// FixContext is Fix that stops once ctx is done (between rounds, and
// within a round where lint.RunContext looks at ctx), and then returns
// ctx's error.
func FixContext(ctx context.Context, files []source.File, opts lint.Options, fo Options) (*Result, error) {
	max := fo.MaxRounds
	if max <= 0 {
		max = DefaultMaxRounds
	}
	res := &Result{}
	byPath := map[string]*File{}
	isQuery := map[string]bool{}
	code := newCodeSQL(opts)
	for i, f := range append(append([]source.File{}, files...), opts.Queries...) {
		rf := &File{Path: f.Path, Original: f.Text, Fixed: f.Text}
		if src, ok := code.source(f.Path); ok {
			rf.Original, rf.Fixed = src, src
		}
		res.Files = append(res.Files, rf)
		byPath[f.Path] = rf
		isQuery[f.Path] = i >= len(files)
	}
	// The fixes not applied are those the last round, which changes
	// nothing, finds and skips.
	var skipped map[string]Skipped
	// After the first round, a round re-checks only the files that the
	// round before changed or created; the others keep their parse trees
	// and their findings. The later files depend on the changed ones only
	// through the schema they leave, which the fixes keep as it was: when
	// the schema after the whole set differs from the first round's, every
	// file is checked again.
	var prev *lint.Result
	var prevDiags map[string][]rules.Diagnostic
	before := map[string]string{} // text of each file as the previous round read it
	first, full := "", false
	for round := 1; ; round++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		skipped = map[string]Skipped{}
		current := make([]source.File, 0, len(res.Files))
		ro := opts
		ro.Queries = nil
		ro.KeepTrees = true
		var recheck func(string) bool
		if prev != nil {
			changed := changedSince(prev, before, byPath)
			recheck = replanned(prev, prevDiags, changed)
			if full {
				recheck = func(string) bool { return true }
			}
			ro.Reuse = map[string]*migration.File{}
			for _, f := range prev.Files {
				if !changed(f.Path) {
					ro.Reuse[f.Path] = f
				}
			}
			ro.Recheck = recheck
		}
		code.update(res.Files)
		ro.Code, ro.CodeQueries = code.sources, code.queries
		for _, f := range res.Files {
			switch {
			case code.has(f.Path):
				ro.Queries = append(ro.Queries, source.File{Path: f.Path, Text: code.sql[f.Path]})
			case isQuery[f.Path]:
				ro.Queries = append(ro.Queries, source.File{Path: f.Path, Text: f.Fixed})
			case isMigration(f):
				current = append(current, source.File{Path: f.Path, Text: f.Fixed})
			default:
			}
		}
		sort.SliceStable(current, func(i, j int) bool { return source.Less(current[i].Path, current[j].Path) })
		ro.Overlay = map[string]string{}
		for _, f := range res.Files {
			ro.Overlay[f.Path] = f.Fixed
		}
		lr, err := lint.RunContext(ctx, current, ro)
		if err != nil {
			return nil, err
		}
		for _, lf := range append(append([]*migration.File{}, lr.Files...), lr.Queries...) {
			if lf.SyntaxError != nil && round == 1 {
				if f := byPath[lf.Path]; f != nil {
					f.SyntaxError, f.Syntax = true, lf.SyntaxError
				}
			}
		}
		if recheck != nil {
			// The files not re-checked keep the findings of the round that
			// checked them; the driver's own findings are fresh.
			for _, lf := range lr.Files {
				if !recheck(lf.Path) {
					lr.Diagnostics = append(lr.Diagnostics, prevDiags[lf.Path]...)
				}
			}
		}
		prev, prevDiags = lr, map[string][]rules.Diagnostic{}
		for _, d := range lr.Diagnostics {
			if !driverFinding(d.Rule) {
				prevDiags[d.Path] = append(prevDiags[d.Path], d)
			}
		}
		for _, f := range res.Files {
			before[f.Path] = f.Fixed
		}
		fingerprint := lr.History.Final().Fingerprint()
		if round == 1 {
			first = fingerprint
		}
		changed := applyRound(res, byPath, lr, fo, skipped)
		res.Rounds = round
		if !changed && !full && fingerprint != first {
			// A fix changed the schema that later files see: check them all.
			full = true
			continue
		}
		full = false
		if !changed {
			break
		}
		if round == max {
			return res, fmt.Errorf("%w after %d rounds; please report this as a bug", ErrNoConvergence, max)
		}
	}
	for _, s := range skipped {
		res.Skipped = append(res.Skipped, s)
	}
	sort.Slice(res.Skipped, func(i, j int) bool {
		a, b := res.Skipped[i], res.Skipped[j]
		if a.Path != b.Path {
			return source.Less(a.Path, b.Path)
		}
		return a.Line < b.Line
	})
	keepLineEndings(res)
	summarise(res, byPath, prev)
	return res, nil
}

// summarise rewrites the checksum files (Atlas's atlas.sum) of the
// projects whose files the fixes changed or created, from the fixed texts
// and the project's other files on disk, so that the tool accepts the
// folder.
func summarise(res *Result, byPath map[string]*File, last *lint.Result) {
	if last == nil {
		return
	}
	type key struct {
		t       *tool.Tool
		project string
	}
	touched := map[key]bool{}
	var keys []key
	for _, f := range last.Files {
		if f.Tool.Summary == nil {
			continue
		}
		k := key{f.Tool, f.Tool.ProjectOf(f.Path)}
		if rf := byPath[f.Path]; rf != nil && rf.Changed() && !touched[k] {
			touched[k] = true
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		texts := map[string]string{}
		if entries, err := os.ReadDir(k.project); err == nil {
			for _, e := range entries {
				if p := filepath.Join(k.project, e.Name()); !e.IsDir() && isSQL(p) {
					if b, err := os.ReadFile(p); err == nil {
						texts[p] = string(b)
					}
				}
			}
		}
		for _, f := range res.Files {
			if filepath.Dir(f.Path) == k.project && isSQL(f.Path) {
				texts[f.Path] = f.Fixed
			}
		}
		path, text, ok := k.t.Summary(k.project, texts)
		if !ok {
			continue
		}
		f := byPath[path]
		if f == nil {
			f = &File{Path: path, Created: true}
			if b, err := os.ReadFile(path); err == nil {
				f.Created, f.Original = false, string(b)
			}
			byPath[path] = f
			res.Files = append(res.Files, f)
		}
		f.Fixed = text
	}
}

// guessedVariant reports a file whose rewrite would go to a variant for
// PostgreSQL (a dialect-less popx file), under a tool that is only
// guessed: whether the variant is right depends on the tool.
func guessedVariant(f *migration.File) bool {
	if f == nil || f.Choice.Source.Certain() || f.Tool.Variant == nil {
		return false
	}
	_, ok := f.Tool.Variant(f.Path)
	return ok
}

// driverFinding reports the rules that the lint driver reports for the
// whole run, afresh each round, rather than rules run per statement.
func driverFinding(r *rules.Rule) bool {
	return r.Code == "PS910" || r.Code == "PS911"
}

// changedSince returns which files the round after prev must read and
// check again: those whose text, or a companion file of whose folder (a
// Flyway .sql.conf), differs from before, and those prev did not read.
func changedSince(prev *lint.Result, before map[string]string, byPath map[string]*File) func(string) bool {
	changed := map[string]bool{}
	companions := map[string]bool{} // folders where a file that is not SQL changed
	for path, f := range byPath {
		if old, ok := before[path]; !ok || old != f.Fixed {
			changed[path] = true
			if !isSQL(path) {
				companions[filepath.Dir(path)] = true
			}
		}
	}
	read := map[string]bool{}
	for _, f := range prev.Files {
		read[f.Path] = true
		if companions[filepath.Dir(f.Path)] {
			changed[f.Path] = true
		}
	}
	return func(path string) bool { return changed[path] || !read[path] }
}

// replanned returns changed, widened to the files that run after a
// changed one and whose findings carry steps written from the catalog
// that the earlier files leave (Fix.FromCatalog), which a fix there may
// have changed (a serial made an identity column): they are planned again.
func replanned(prev *lint.Result, prevDiags map[string][]rules.Diagnostic, changed func(string) bool) func(string) bool {
	withSteps := map[string]bool{}
	for path, ds := range prevDiags {
		for _, d := range ds {
			for _, fx := range d.Fixes {
				withSteps[path] = withSteps[path] || fx.FromCatalog
			}
		}
	}
	after := map[string]bool{}
	seen := false
	for _, f := range prev.Files { // in migration order
		if seen && withSteps[f.Path] {
			after[f.Path] = true
		}
		seen = seen || changed(f.Path)
	}
	return func(path string) bool { return changed(path) || after[path] }
}

// applyRound applies one round of fixes and reports whether any file
// changed. The fixes that replace a statement with steps go first, every
// such fix of a file in one plan (package split) so that a file with many
// hazards is rewritten in one round; then the other fixes whose edits
// overlap nothing taken.
func applyRound(res *Result, byPath map[string]*File, lr *lint.Result, fo Options, skipped map[string]Skipped) bool {
	type pending struct {
		edits   []rules.Edit
		applied []Applied
		// first and firstApplied are len(edits) and len(applied) after the
		// first fix (or the first plan of steps), for the fallback.
		first, firstApplied int
	}
	perFile := map[string]*pending{} // by the finding's file
	taken := editSet{}
	files := map[string]*migration.File{}
	var paths []string
	for _, lf := range append(append([]*migration.File{}, lr.Files...), lr.Queries...) {
		files[lf.Path] = lf
	}
	for _, f := range res.Files {
		paths = append(paths, f.Path)
	}
	x := tool.NewIndex(paths)
	lineOf := func(d rules.Diagnostic) int {
		if lf := files[d.Path]; lf != nil {
			return lf.Lines.Position(d.Span.Start).Line
		}
		return 0
	}
	keyOf := func(path string, r *rules.Rule, line int, title string) string {
		return fmt.Sprintf("%s\x00%s\x00%d\x00%s", path, r.Code, line, title)
	}
	// add records a fix; cont says it shares the edits of the fix added
	// just before (the replacements of one plan).
	add := func(path string, edits []rules.Edit, a Applied, cont bool) {
		p := perFile[path]
		if p == nil {
			p = &pending{}
			perFile[path] = p
		}
		p.edits = append(p.edits, edits...)
		if len(p.applied) == 0 || (cont && p.firstApplied == len(p.applied)) {
			p.first, p.firstApplied = len(p.edits), len(p.applied)+1
		}
		for _, e := range edits {
			if e.Path != path && !contains(a.NewFiles, e.Path) {
				a.NewFiles = append(a.NewFiles, e.Path)
			}
		}
		p.applied = append(p.applied, a)
		taken.add(edits)
	}
	type found struct {
		d    rules.Diagnostic
		fx   rules.Fix
		line int
		key  string
	}
	stepsOf := map[string][]found{}
	var stepPaths []string
	var others []found
	for _, d := range lr.Diagnostics {
		f := byPath[d.Path]
		if f == nil || f.SyntaxError || len(d.Fixes) == 0 || (fo.Only != nil && !f.Created && !fo.Only(d.Path)) {
			continue
		}
		fx := d.Fixes[0]
		line := lineOf(d)
		key := keyOf(d.Path, d.Rule, line, fx.Title)
		skip := func(reason string) {
			skipped[key] = Skipped{Rule: d.Rule, Title: fx.Title, Safety: fx.Safety, Path: d.Path, Line: line, Reason: reason}
		}
		switch {
		case fx.Safety == rules.DisplayOnly && fx.Why != "":
			skip("needs a human: " + fx.Why)
		case fx.Safety == rules.DisplayOnly || (len(fx.Edits) == 0 && len(fx.Steps) == 0):
			skip("needs a human: " + string(rules.DisplayOnly))
		case fx.Safety == rules.Unsafe && !fo.Unsafe:
			skip("unsafe: pass --unsafe-fixes to apply it")
		case guessedVariant(files[d.Path]):
			skip(fmt.Sprintf("pgsafe only guessed that %s runs this file, which other databases may run too; name the tool (framework = %q) to apply it",
				files[d.Path].Tool.Name, files[d.Path].Tool.Name))
		case len(fx.Steps) > 0:
			if why := unplaceable(files[d.Path], fx); why != "" {
				skip(why)
				continue
			}
			if _, ok := stepsOf[d.Path]; !ok {
				stepPaths = append(stepPaths, d.Path)
			}
			stepsOf[d.Path] = append(stepsOf[d.Path], found{d, fx, line, key})
		default:
			others = append(others, found{d, fx, line, key})
		}
	}
	// Steps written from the catalog that the earlier migrations leave
	// (Fix.FromCatalog) wait for the other fixes of those migrations this
	// round (a serial made an identity column, say), to be planned next
	// round on the catalog that they leave.
	order := map[string]int{}
	for i, lf := range lr.Files {
		order[lf.Path] = i
	}
	first := len(lr.Files)
	for _, o := range others {
		if i, ok := order[o.d.Path]; ok && i < first {
			first = i
		}
	}
	for _, path := range stepPaths {
		lf := files[path]
		list := stepsOf[path]
		if i, ok := order[path]; ok && i > first {
			list = slices.DeleteFunc(slices.Clone(list), func(s found) bool { return s.fx.FromCatalog })
			if len(list) == 0 {
				continue
			}
		}
		fixes := make([]rules.Fix, len(list))
		for i, s := range list {
			fixes[i] = s.fx
		}
		plan := planFile(lf, fixes, x, paths)
		var placed []int
		for i, pl := range plan.Placed {
			s := list[i]
			if pl.Err != nil {
				skipped[s.key] = Skipped{Rule: s.d.Rule, Title: s.fx.Title, Safety: s.fx.Safety, Path: path, Line: s.line, Reason: pl.Err.Error()}
				continue
			}
			placed = append(placed, i)
		}
		if len(placed) == 0 {
			continue
		}
		edits := fixEdits(plan.Edits, path)
		for i := range edits {
			if edits[i].Path == "" {
				edits[i].Path = path
			}
		}
		for k, i := range placed {
			s := list[i]
			a := Applied{Rule: s.d.Rule, Title: titled(s.fx.Title, plan.Placed[i].How), Safety: s.fx.Safety, Path: path, Line: s.line,
				Message: s.d.Message, Table: s.d.Table, Before: s.d.Lock, After: s.fx.After}
			if k > 0 {
				add(path, nil, a, true)
			} else {
				add(path, edits, a, false)
			}
			delete(skipped, s.key)
		}
	}
	for _, o := range others {
		edits := make([]rules.Edit, len(o.fx.Edits))
		conflict := false
		for i, e := range o.fx.Edits {
			if e.Path == "" {
				e.Path = o.d.Path
			}
			edits[i] = e
			if taken.overlaps(e) {
				conflict = true
			}
		}
		if conflict {
			continue // retried next round, on the text this round produces
		}
		add(o.d.Path, edits, Applied{Rule: o.d.Rule, Title: o.fx.Title, Safety: o.fx.Safety, Path: o.d.Path, Line: o.line,
			Message: o.d.Message, Table: o.d.Table, Before: o.d.Lock, After: o.fx.After}, false)
		delete(skipped, o.key)
	}
	changed := false
	pendingPaths := make([]string, 0, len(perFile))
	for p := range perFile {
		pendingPaths = append(pendingPaths, p)
	}
	sort.Strings(pendingPaths)
	for _, path := range pendingPaths {
		p := perFile[path]
		next, ok := applyToFiles(byPath, files, p.edits)
		applied := p.applied
		if !ok && len(p.applied) > p.firstApplied {
			// Together they do not parse: apply the first alone, and let the
			// others try again on its output next round.
			if next, ok = applyToFiles(byPath, files, p.edits[:p.first]); ok {
				applied = applied[:p.firstApplied]
			}
		}
		if !ok {
			for _, a := range p.applied {
				skipped[keyOf(a.Path, a.Rule, a.Line, a.Title)] = Skipped{Rule: a.Rule, Title: a.Title, Safety: a.Safety, Path: a.Path, Line: a.Line, Reason: "the rewritten file would not parse; left unchanged"}
			}
			continue
		}
		for target, text := range next {
			f := byPath[target]
			if f == nil {
				f = &File{Path: target, Created: true}
				byPath[target] = f
				res.Files = append(res.Files, f)
			}
			f.Fixed = text
		}
		res.Applied = append(res.Applied, applied...)
		changed = true
	}
	return changed
}

// applyToFiles applies edits grouped by target path and returns the new
// texts, or false when any result fails to parse. Edits to a file whose
// tool keeps a variant of it for PostgreSQL (a dialect-less popx file)
// write the variant, and leave the file as the other databases run it.
func applyToFiles(byPath map[string]*File, files map[string]*migration.File, edits []rules.Edit) (map[string]string, bool) {
	groups := map[string][]rules.Edit{}
	var targets []string
	for _, e := range edits {
		if _, ok := groups[e.Path]; !ok {
			targets = append(targets, e.Path)
		}
		groups[e.Path] = append(groups[e.Path], e)
	}
	out := map[string]string{}
	for _, target := range targets {
		es := groups[target]
		base := ""
		if f := byPath[target]; f != nil {
			base = f.Fixed
		}
		text, err := ApplyEdits(base, es)
		switch {
		case err != nil:
			return nil, false
		case isGo(target):
			if !goValid(target, text) {
				return nil, false
			}
		case (isSQL(target) || (byPath[target] != nil && isMigration(byPath[target]))) && !sqlparse.Valid(text):
			return nil, false
		}
		dest := target
		if lf := files[target]; lf != nil && lf.Tool.Variant != nil {
			if v, ok := lf.Tool.Variant(target); ok {
				dest = v
			}
		}
		out[dest] = text
	}
	return out, true
}

// isMigration reports whether f is a migration: an input file, whatever
// its name (stdin's is <stdin>), or a SQL file that fixes created (not a
// companion file such as a Flyway .sql.conf).
func isMigration(f *File) bool { return !f.Created || isSQL(f.Path) }

// isSQL reports whether path names a SQL file, which every round must
// leave parseable; companion files such as Flyway's .sql.conf are not SQL.
func isSQL(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".sql") }
