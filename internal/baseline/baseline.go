// Package baseline records the findings a migration set has today, so
// that later runs report only new ones. A finding is matched by its
// fingerprint (see package fingerprint), never by its line, so that it
// stays known when other statements of its file change.
//
// Paths are recorded relative to the baseline file's folder, so that the
// same baseline works whichever folder pgsafe runs from.
package baseline

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/pgsafe/pgsafe/internal/fingerprint"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
)

// Version is the version of the baseline file format.
const Version = 1

// DefaultPath is the file `pgsafe baseline` writes when no other is named.
const DefaultPath = ".pgsafe-baseline.json"

// File is the content of a baseline file.
type File struct {
	Version  int       `json:"version"`
	Findings []Finding `json:"findings"`
}

// Finding is one recorded finding. Only Fingerprint is matched; the other
// fields are there for people reading the file and reviewing its diffs.
type Finding struct {
	Fingerprint string `json:"fingerprint"`
	Code        string `json:"code"`
	Rule        string `json:"rule"`
	// Path is relative to the baseline file's folder, slash-separated.
	Path string `json:"path"`
	// Line is where the finding was when it was recorded.
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Record returns the baseline of every finding of res. file is where the
// baseline will be written; file and the paths of res are taken from
// workdir when relative.
func Record(res *lint.Result, file, workdir string) *File {
	rel := relativeTo(file, workdir)
	fps := fingerprint.Of(res, rel)
	files := map[string]*migration.File{}
	for _, f := range append(append([]*migration.File{}, res.Files...), res.Queries...) {
		files[f.Path] = f
	}
	out := &File{Version: Version, Findings: make([]Finding, len(res.Diagnostics))}
	for i, d := range res.Diagnostics {
		line := 0
		if f := files[d.Path]; f != nil {
			line = f.Lines.Position(d.Span.Start).Line
		}
		out.Findings[i] = Finding{Fingerprint: fps[i], Code: d.Rule.Code, Rule: d.Rule.Name, Path: rel(d.Path), Line: line, Message: d.Message}
	}
	sort.SliceStable(out.Findings, func(i, j int) bool {
		a, b := out.Findings[i], out.Findings[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return out
}

// Read reads a baseline file. Its errors do not name the file, so that
// the caller can name it as the user did.
func Read(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("not a pgsafe baseline: %w", err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("baseline version %d, want %d (record it again with `pgsafe baseline`)", f.Version, Version)
	}
	return &f, nil
}

// Write writes f as indented JSON.
func (f *File) Write(w io.Writer) error {
	out := *f
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Recorded reports, for each diagnostic of res in order, whether f
// records it. file is the baseline file's path and workdir the folder
// relative paths are taken from, as for Record.
func (f *File) Recorded(res *lint.Result, file, workdir string) []bool {
	known := make(map[string]bool, len(f.Findings))
	for _, fd := range f.Findings {
		known[fd.Fingerprint] = true
	}
	fps := fingerprint.Of(res, relativeTo(file, workdir))
	out := make([]bool, len(fps))
	for i, fp := range fps {
		out[i] = known[fp]
	}
	return out
}

// relativeTo returns a function that turns a path, relative to workdir
// or absolute, into a slash-separated path relative to the folder of
// file. A path that cannot be made relative is kept absolute.
func relativeTo(file, workdir string) func(string) string {
	dir := filepath.Dir(absolute(file, workdir))
	return func(p string) string {
		abs := absolute(p, workdir)
		rel, err := filepath.Rel(dir, abs)
		if err != nil {
			return filepath.ToSlash(abs)
		}
		return filepath.ToSlash(rel)
	}
}

func absolute(p, workdir string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(workdir, p)
}
