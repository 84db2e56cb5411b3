package tool

import (
	"fmt"
	"path/filepath"
	"sort"
)

// Choice is the tool that reads a file, and why.
type Choice struct {
	Tool   *Tool
	Source Source
	// Evidence says in words what showed the tool: "-- +goose
	// annotations", "atlas.sum in the folder", "the framework setting".
	Evidence string
}

// Setting names the tool that runs some files.
type Setting struct {
	Tool   *Tool
	Source Source // FromFlag or FromConfig
	// Pattern is how the user wrote the files it covers ("db/**"), for
	// messages; "" for every file.
	Pattern string
	// Match reports whether the setting covers the file at path; nil
	// covers every file.
	Match func(path string) bool
}

// Input is a file to choose a tool for.
type Input struct {
	Path string
	Text string
}

// Choose assigns each file its tool: the first setting that covers it,
// else what the files of its folder show. A folder is one set of
// migrations, run by one tool: markers in its files and files that a tool
// keeps beside its migrations detect the tool (the tool with evidence in
// the most files wins, ties going to the order of All); without any, the
// names of its files suggest one (a guess); without those, the files are
// guessed to be run by psql. x sees the folders' other files.
func Choose(files []Input, settings []Setting, x *Index) []Choice {
	out := make([]Choice, len(files))
	byDir := map[string][]int{}
	var dirs []string
	for i, f := range files {
		if s, ok := settingFor(settings, f.Path); ok {
			what := "--framework"
			if s.Source == FromConfig {
				what = "the framework setting"
				if s.Pattern != "" {
					what = fmt.Sprintf("the framework setting for %q", s.Pattern)
				}
			}
			out[i] = Choice{Tool: s.Tool, Source: s.Source, Evidence: what}
			continue
		}
		d := filepath.Dir(f.Path)
		if _, seen := byDir[d]; !seen {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], i)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		c := chooseFolder(files, byDir[d], x)
		for _, i := range byDir[d] {
			out[i] = c
		}
	}
	return out
}

func settingFor(settings []Setting, path string) (Setting, bool) {
	for _, s := range settings {
		if s.Tool != nil && (s.Match == nil || s.Match(path)) {
			return s, true
		}
	}
	return Setting{}, false
}

// chooseFolder chooses the tool for the files at idx, which share a
// folder.
func chooseFolder(files []Input, idx []int, x *Index) Choice {
	best, bestN, evidence := (*Tool)(nil), 0, ""
	for _, t := range all {
		if t.Detect == nil {
			continue
		}
		n, first := 0, ""
		for _, i := range idx {
			if e := t.Detect(x, files[i].Path, files[i].Text); e != "" {
				if n == 0 {
					first = e
				}
				n++
			}
		}
		if n > bestN {
			best, bestN, evidence = t, n, first
		}
	}
	if best != nil {
		if bestN < len(idx) && !folderWide(best, files[idx[0]].Path, x) {
			evidence = fmt.Sprintf("%s in %d of %d files", evidence, bestN, len(idx))
		}
		return Choice{Tool: best, Source: Detected, Evidence: evidence}
	}
	for _, t := range all {
		if t.Guess == nil {
			continue
		}
		for _, i := range idx {
			if t.Guess(files[i].Path) {
				return Choice{Tool: t, Source: Guessed, Evidence: "file names like " + filepath.Base(files[i].Path)}
			}
		}
	}
	return Choice{Tool: Psql, Source: Guessed, Evidence: "no tool marker, tool file or known file name"}
}

// folderWide reports whether t's evidence is a file beside the
// migrations, which speaks for the whole folder, rather than a marker in
// some of the files: Detect on an empty text still finds it.
func folderWide(t *Tool, path string, x *Index) bool {
	return t.Detect(x, path, "") != ""
}

// CheckAll returns what the tools would refuse among files, each read
// with the tool of its choice, set by set (a tool's project); tools that
// are only guessed are not asked.
func CheckAll(files []Input, choices []Choice) []Problem {
	type key struct {
		t       *Tool
		project string
	}
	groups := map[key][]Input{}
	var keys []key
	for i, f := range files {
		if !choices[i].Source.Certain() {
			continue
		}
		k := key{choices[i].Tool, choices[i].Tool.ProjectOf(f.Path)}
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], f)
	}
	var out []Problem
	for _, k := range keys {
		out = append(out, k.t.CheckOf(groups[k])...)
	}
	return out
}
