package verify

import (
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/tool"
	"github.com/pgsafe/pgsafe/rewrite"
)

// FromFix returns the original and the rewritten migrations of a fix
// result, read with opts as they run (parse trees kept, down migrations
// too unless opts leaves them out), what their tools would refuse in
// each, and the statements that the applied fixes target. Companion
// files that fixes create or change (Flyway's .sql.conf) take the place
// of those on disk for the rewrite.
func FromFix(res *rewrite.Result, opts lint.Options) (original, rewritten Set, targets []Target) {
	var orig, fixed []source.File
	overlay := map[string]string{}
	changed, created := map[string]bool{}, map[string]bool{}
	for _, f := range res.Files {
		if !strings.HasSuffix(strings.ToLower(f.Path), ".sql") {
			if f.Changed() {
				overlay[f.Path] = f.Fixed
			}
			continue
		}
		if !f.Created {
			orig = append(orig, source.File{Path: f.Path, Text: f.Original})
		} else {
			created[f.Path] = true
		}
		fixed = append(fixed, source.File{Path: f.Path, Text: f.Fixed})
		if f.Changed() {
			changed[f.Path] = true
		}
	}
	// Files that fixes create go where their names put them.
	sort.SliceStable(fixed, func(i, j int) bool { return source.Less(fixed[i].Path, fixed[j].Path) })
	opts.KeepTrees, opts.Rules = true, nil
	original = read(orig, opts)
	original.Changed, original.Created = changed, created
	opts.Overlay = overlay
	rewritten = read(fixed, opts)
	rewritten.Changed, rewritten.Created = changed, created
	for _, a := range res.Applied {
		// A fix that claims a weaker lock; others (a lock_timeout) leave
		// the statement's lock as it was.
		if a.After != locks.None {
			targets = append(targets, Target{Path: a.Path, Line: a.Line, Table: a.Table})
		}
	}
	return original, rewritten, targets
}

// read reads files as a set, with what their tools would refuse.
func read(files []source.File, opts lint.Options) Set {
	res := lint.Run(files, opts)
	s := Set{Files: res.Files}
	inputs := make([]tool.Input, len(files))
	choices := make([]tool.Choice, len(files))
	byPath := map[string]tool.Choice{}
	for _, f := range res.Files {
		byPath[f.Path] = f.Choice
	}
	for i, f := range files {
		inputs[i] = tool.Input{Path: f.Path, Text: f.Text}
		choices[i] = byPath[f.Path]
		if choices[i].Tool == nil {
			// A file lint skipped (another dialect's): the tool of its
			// folder still sees it.
			choices[i] = folderChoice(res, f.Path)
		}
	}
	s.Refused = tool.CheckAll(inputs, choices)
	return s
}

// folderChoice returns the tool that res read the files of path's folder
// with; a guess when none.
func folderChoice(res *lint.Result, path string) tool.Choice {
	for _, fo := range res.Folders {
		if fo.Choice.Tool.ProjectOf(path) == fo.Path {
			return fo.Choice
		}
	}
	return tool.Choice{Tool: tool.Psql, Source: tool.Guessed}
}
