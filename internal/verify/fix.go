package verify

import (
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
)

// FromFix returns the original and the rewritten migrations of a fix
// result, read with opts as they run (down migrations left out, parse
// trees kept), and the statements that the applied fixes target.
// Companion files that fixes create or change (Flyway's .sql.conf) take
// the place of those on disk for the rewrite.
func FromFix(res *rewrite.Result, opts lint.Options) (original, rewritten Set, targets []Target) {
	var orig, fixed []source.File
	overlay := map[string]string{}
	changed := map[string]bool{}
	for _, f := range res.Files {
		if !strings.HasSuffix(strings.ToLower(f.Path), ".sql") {
			if f.Changed() {
				overlay[f.Path] = f.Fixed
			}
			continue
		}
		if !f.Created {
			orig = append(orig, source.File{Path: f.Path, Text: f.Original})
		}
		fixed = append(fixed, source.File{Path: f.Path, Text: f.Fixed})
		if f.Changed() {
			changed[f.Path] = true
		}
	}
	// Files that fixes create go where their names put them.
	sort.SliceStable(fixed, func(i, j int) bool { return source.Less(fixed[i].Path, fixed[j].Path) })
	opts.KeepTrees, opts.SkipDown, opts.Rules = true, true, nil
	original = Set{Files: lint.Run(orig, opts).Files, Changed: changed}
	opts.Overlay = overlay
	rewritten = Set{Files: lint.Run(fixed, opts).Files, Changed: changed}
	for _, a := range res.Applied {
		// A fix that claims a weaker lock; others (a lock_timeout) leave
		// the statement's lock as it was.
		if a.After != locks.None {
			targets = append(targets, Target{Path: a.Path, Line: a.Line, Table: a.Table})
		}
	}
	return original, rewritten, targets
}
