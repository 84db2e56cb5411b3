package rewrite

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
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
	// never changed.
	SyntaxError bool
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
func Fix(files []source.File, opts lint.Options, fo Options) (*Result, error) {
	max := fo.MaxRounds
	if max <= 0 {
		max = DefaultMaxRounds
	}
	res := &Result{}
	byPath := map[string]*File{}
	isQuery := map[string]bool{}
	for i, f := range append(append([]source.File{}, files...), opts.Queries...) {
		rf := &File{Path: f.Path, Original: f.Text, Fixed: f.Text}
		res.Files = append(res.Files, rf)
		byPath[f.Path] = rf
		isQuery[f.Path] = i >= len(files)
	}
	skipped := map[string]Skipped{}
	for round := 1; ; round++ {
		current := make([]source.File, 0, len(res.Files))
		ro := opts
		ro.Queries = nil
		for _, f := range res.Files {
			switch {
			case isQuery[f.Path]:
				ro.Queries = append(ro.Queries, source.File{Path: f.Path, Text: f.Fixed})
			case isSQL(f.Path):
				current = append(current, source.File{Path: f.Path, Text: f.Fixed})
			default:
			}
		}
		sort.SliceStable(current, func(i, j int) bool { return source.Less(current[i].Path, current[j].Path) })
		ro.Overlay = map[string]string{}
		for _, f := range res.Files {
			ro.Overlay[f.Path] = f.Fixed
		}
		lr := lint.Run(current, ro)
		for _, lf := range append(append([]*migration.File{}, lr.Files...), lr.Queries...) {
			if lf.SyntaxError != nil && round == 1 {
				if f := byPath[lf.Path]; f != nil {
					f.SyntaxError = true
				}
			}
		}
		changed := applyRound(res, byPath, lr, fo, skipped)
		res.Rounds = round
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
	return res, nil
}

// applyRound applies one round of fixes and reports whether any file
// changed.
func applyRound(res *Result, byPath map[string]*File, lr *lint.Result, fo Options, skipped map[string]Skipped) bool {
	type pending struct {
		edits   []rules.Edit
		applied []Applied
		first   int  // len(edits) after the first fix, for the fallback
		splits  bool // a fix moves statements into other files
	}
	perFile := map[string]*pending{} // by the finding's file
	var taken []rules.Edit
	lines := map[string]*sqlparse.Lines{}
	for _, lf := range append(append([]*migration.File{}, lr.Files...), lr.Queries...) {
		lines[lf.Path] = lf.Lines
	}
	for _, d := range lr.Diagnostics {
		f := byPath[d.Path]
		if f == nil || f.SyntaxError || len(d.Fixes) == 0 || (fo.Only != nil && !f.Created && !fo.Only(d.Path)) {
			continue
		}
		fx := d.Fixes[0]
		line := 0
		if l := lines[d.Path]; l != nil {
			line = l.Position(d.Span.Start).Line
		}
		key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", d.Path, d.Rule.Code, line, fx.Title)
		skip := func(reason string) {
			skipped[key] = Skipped{Rule: d.Rule, Title: fx.Title, Safety: fx.Safety, Path: d.Path, Line: line, Reason: reason}
		}
		switch {
		case fx.Safety == rules.DisplayOnly || len(fx.Edits) == 0:
			skip("needs a human: " + string(rules.DisplayOnly))
			continue
		case fx.Safety == rules.Unsafe && !fo.Unsafe:
			skip("unsafe: pass --unsafe-fixes to apply it")
			continue
		default:
		}
		edits := make([]rules.Edit, len(fx.Edits))
		conflict := false
		splits := false
		for i, e := range fx.Edits {
			if e.Path == "" {
				e.Path = d.Path
			}
			edits[i] = e
			if overlaps(e, taken) {
				conflict = true
			}
			splits = splits || e.Path != d.Path
		}
		// A fix that moves statements into other files plans its names and
		// the statements it moves from the file as it was: it must be the
		// only fix on its file in a round.
		if prior := perFile[d.Path]; prior != nil && (splits || prior.splits) {
			conflict = true
		}
		if conflict {
			continue // retried next round, on the text this round produces
		}
		taken = append(taken, edits...)
		p := perFile[d.Path]
		if p == nil {
			p = &pending{}
			perFile[d.Path] = p
		}
		p.edits = append(p.edits, edits...)
		p.splits = p.splits || splits
		if len(p.applied) == 0 {
			p.first = len(p.edits)
		}
		a := Applied{Rule: d.Rule, Title: fx.Title, Safety: fx.Safety, Path: d.Path, Line: line, Message: d.Message, Table: d.Table, Before: d.Lock, After: fx.After}
		for _, e := range edits {
			if e.Path != d.Path && !contains(a.NewFiles, e.Path) {
				a.NewFiles = append(a.NewFiles, e.Path)
			}
		}
		p.applied = append(p.applied, a)
		delete(skipped, key)
	}
	changed := false
	paths := make([]string, 0, len(perFile))
	for p := range perFile {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		p := perFile[path]
		next, ok := applyToFiles(byPath, p.edits)
		if !ok && len(p.applied) > 1 {
			// Together they do not parse: apply the first alone, and let the
			// others try again on its output next round.
			if next, ok = applyToFiles(byPath, p.edits[:p.first]); ok {
				p.applied = p.applied[:1]
			}
		}
		if !ok {
			for _, a := range p.applied {
				key := fmt.Sprintf("%s\x00%s\x00%d\x00%s", a.Path, a.Rule.Code, a.Line, a.Title)
				skipped[key] = Skipped{Rule: a.Rule, Title: a.Title, Safety: a.Safety, Path: a.Path, Line: a.Line, Reason: "the rewritten file would not parse; left unchanged"}
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
		res.Applied = append(res.Applied, p.applied...)
		changed = true
	}
	return changed
}

// applyToFiles applies edits grouped by target path and returns the new
// texts, or false when any result fails to parse.
func applyToFiles(byPath map[string]*File, edits []rules.Edit) (map[string]string, bool) {
	groups := map[string][]rules.Edit{}
	for _, e := range edits {
		groups[e.Path] = append(groups[e.Path], e)
	}
	out := map[string]string{}
	for target, es := range groups {
		base := ""
		if f := byPath[target]; f != nil {
			base = f.Fixed
		}
		text, err := ApplyEdits(base, es)
		if err != nil || (isSQL(target) && sqlparse.Parse(text).Err != nil) {
			return nil, false
		}
		out[target] = text
	}
	return out, true
}

// isSQL reports whether path names a SQL file, which every round must
// leave parseable; companion files such as Flyway's .sql.conf are not SQL.
func isSQL(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".sql") }
