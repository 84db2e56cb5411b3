package rewrite

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fatih/color"

	"github.com/pgsafe/pgsafe/internal/locks"
)

// ReportOptions configure the fix report.
type ReportOptions struct {
	Color bool
	// Wrote says that Result.Write ran: the summary counts the files it
	// wrote, and, when some were not written, lists which were and which
	// were not, with the reason.
	Wrote bool
	// ShowSkipped lists every skipped fix with its place and reason; by
	// default the report counts them per rule.
	ShowSkipped bool
}

// Text writes the fix report: a unified diff per changed file (created
// files diffed from /dev/null), one line per applied fix saying what it
// buys, and a closing summary of files changed (or written), fixes by
// rule, fixes skipped (counted per rule, or each with its reason when
// ShowSkipped), and files not written.
func Text(w io.Writer, res *Result, opts ReportOptions) error {
	var b strings.Builder
	bold := color.New(color.Bold)
	dim := color.New(color.FgBlue)
	for _, c := range []*color.Color{bold, dim} {
		if opts.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	for _, f := range res.Files {
		if !f.Changed() {
			continue
		}
		oldPath, newPath := diffPaths(f)
		if err := Unified(&b, oldPath, newPath, f.Original, f.Fixed, DiffOptions{Color: opts.Color}); err != nil {
			return err
		}
		for _, a := range res.Applied {
			if a.Path == f.Path {
				fmt.Fprintf(&b, "  %s %s:%d %s: %s\n", dim.Sprint("fixed"), a.Path, a.Line, a.Rule.Name, a.Title)
				if line := a.Buys(); line != "" {
					fmt.Fprintf(&b, "        %s\n", line)
				}
			}
		}
		b.WriteByte('\n')
	}
	changed, notWritten := 0, 0
	for _, f := range res.Files {
		switch {
		case !f.Changed():
		case opts.Wrote && !f.Written:
			notWritten++
		default:
			changed++
		}
	}
	verb := "would change"
	if opts.Wrote {
		verb = "changed"
	}
	fmt.Fprintf(&b, "%s %d %s %s", bold.Sprint("pgsafe fix:"), changed, plural(changed, "file"), verb)
	if notWritten > 0 {
		fmt.Fprintf(&b, ", %d not written", notWritten)
	}
	fmt.Fprintf(&b, ", %d %s applied", len(res.Applied), plural(len(res.Applied), "fix"))
	if len(res.Skipped) > 0 {
		fmt.Fprintf(&b, ", %d skipped", len(res.Skipped))
	}
	b.WriteString("\n")
	for _, line := range byRule(res.Applied) {
		fmt.Fprintf(&b, "  applied %s\n", line)
	}
	if opts.ShowSkipped {
		for _, s := range res.Skipped {
			fmt.Fprintf(&b, "  skipped %s:%d %s (%s): %s\n", s.Path, s.Line, s.Rule.Name, s.Title, s.Reason)
		}
	} else if len(res.Skipped) > 0 {
		rules := make([]Applied, len(res.Skipped))
		for i, s := range res.Skipped {
			rules[i].Rule = s.Rule
		}
		for _, line := range byRule(rules) {
			fmt.Fprintf(&b, "  skipped %s\n", line)
		}
		b.WriteString("  (--show-skipped lists each skipped fix with its reason)\n")
	}
	if opts.Wrote && (notWritten > 0 || anyWriteErr(res)) {
		writeOutcome(&b, res)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary writes what Result.Write did: how many files it wrote
// and, when some could not be written, which were and which were not,
// with the reason.
func WriteSummary(w io.Writer, res *Result) error {
	var b strings.Builder
	written, changed := 0, 0
	for _, f := range res.Files {
		if f.Changed() && !f.SyntaxError {
			changed++
			if f.Written {
				written++
			}
		}
	}
	fmt.Fprintf(&b, "pgsafe fix: wrote %d of %d %s\n", written, changed, plural(changed, "file"))
	if written < changed || anyWriteErr(res) {
		writeOutcome(&b, res)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeOutcome lists the files written and those not written, with why.
func writeOutcome(b *strings.Builder, res *Result) {
	for _, f := range res.Files {
		switch {
		case !f.Changed() || f.SyntaxError:
		case f.Written && f.WriteErr != nil:
			fmt.Fprintf(b, "  wrote %s, but: %v\n", f.Path, f.WriteErr)
		case f.Written:
			fmt.Fprintf(b, "  wrote %s\n", f.Path)
		case f.WriteErr != nil:
			fmt.Fprintf(b, "  not written %s: %v\n", f.Path, f.WriteErr)
		default:
			fmt.Fprintf(b, "  not written %s\n", f.Path)
		}
	}
}

func anyWriteErr(res *Result) bool {
	for _, f := range res.Files {
		if f.WriteErr != nil {
			return true
		}
	}
	return false
}

// Buys describes what the fix changes about locks, e.g. "accounts: SHARE
// (blocks writes) -> SHARE UPDATE EXCLUSIVE (blocks only schema changes and
// VACUUM)", or "" when it does not change a lock.
func (a Applied) Buys() string {
	if a.After == locks.None || a.Before == locks.None || a.Table == "" {
		return ""
	}
	return fmt.Sprintf("%s: %s (%s) → %s (%s)", a.Table, a.Before, a.Before.Describe(), a.After, a.After.Describe())
}

func byRule(applied []Applied) []string {
	counts := map[string]int{}
	for _, a := range applied {
		counts[a.Rule.Code+" "+a.Rule.Name]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	if strings.HasSuffix(word, "x") {
		return word + "es"
	}
	return word + "s"
}

type jsonFixReport struct {
	Version int             `json:"version"`
	Files   []jsonFixedFile `json:"files"`
	Skipped []jsonSkipped   `json:"skipped"`
	Summary jsonFixSummary  `json:"summary"`
}

type jsonFixedFile struct {
	Path     string        `json:"path"`
	Created  bool          `json:"created"`
	Changed  bool          `json:"changed"`
	Fixes    []jsonApplied `json:"fixes"`
	NewFiles []string      `json:"new_files"`
	Diff     string        `json:"diff"`
	// Written and WriteError say what fix --write did with the file.
	Written    bool   `json:"written,omitempty"`
	WriteError string `json:"write_error,omitempty"`
}

type jsonApplied struct {
	Rule   string `json:"rule"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Safety string `json:"safety"`
	Line   int    `json:"line"`
	Before string `json:"lock_before,omitempty"`
	After  string `json:"lock_after,omitempty"`
	Table  string `json:"table,omitempty"`
}

type jsonSkipped struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Rule   string `json:"rule"`
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

type jsonFixSummary struct {
	FilesChanged int            `json:"files_changed"`
	Applied      int            `json:"applied"`
	Skipped      int            `json:"skipped"`
	ByRule       map[string]int `json:"by_rule"`
	Rounds       int            `json:"rounds"`
}

// JSON writes the fix report as JSON: per file, the diff of its edits, the
// fixes applied and the files they create; then what was skipped and why.
func JSON(w io.Writer, res *Result) error {
	out := jsonFixReport{Version: 1, Files: []jsonFixedFile{}, Skipped: []jsonSkipped{}, Summary: jsonFixSummary{ByRule: map[string]int{}, Rounds: res.Rounds}}
	for _, f := range res.Files {
		jf := jsonFixedFile{Path: f.Path, Created: f.Created, Changed: f.Changed(), Fixes: []jsonApplied{}, NewFiles: []string{}, Written: f.Written}
		if f.WriteErr != nil {
			jf.WriteError = f.WriteErr.Error()
		}
		var d strings.Builder
		oldPath, newPath := diffPaths(f)
		if err := Unified(&d, oldPath, newPath, f.Original, f.Fixed, DiffOptions{}); err != nil {
			return err
		}
		jf.Diff = d.String()
		for _, a := range res.Applied {
			if a.Path != f.Path {
				continue
			}
			ja := jsonApplied{Rule: a.Rule.Name, Code: a.Rule.Code, Title: a.Title, Safety: string(a.Safety), Line: a.Line, Table: a.Table}
			if a.After != locks.None {
				ja.Before, ja.After = a.Before.String(), a.After.String()
			}
			jf.Fixes = append(jf.Fixes, ja)
			for _, nf := range a.NewFiles {
				if !contains(jf.NewFiles, nf) {
					jf.NewFiles = append(jf.NewFiles, nf)
				}
			}
			out.Summary.ByRule[a.Rule.Name]++
		}
		if f.Changed() {
			out.Summary.FilesChanged++
		}
		out.Files = append(out.Files, jf)
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, jsonSkipped{File: s.Path, Line: s.Line, Rule: s.Rule.Name, Title: s.Title, Reason: s.Reason})
	}
	out.Summary.Applied, out.Summary.Skipped = len(res.Applied), len(res.Skipped)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Diff writes the unified diff of f, from its original text to its fixed
// text, labelled a/PATH and b/PATH (/dev/null for the old side of a
// created file); nothing when f is unchanged.
func (f *File) Diff(w io.Writer, opts DiffOptions) error {
	oldPath, newPath := diffPaths(f)
	return Unified(w, oldPath, newPath, f.Original, f.Fixed, opts)
}

// diffPaths returns the ---/+++ labels for f.
func diffPaths(f *File) (string, string) {
	p := strings.TrimPrefix(filepath.ToSlash(f.Path), "/")
	if f.Created {
		return "/dev/null", "b/" + p
	}
	return "a/" + p, "b/" + p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
