// Package report renders lint results: for people (text), for programs
// (json), and for CI systems (github annotations and job summary, sarif,
// gitlab). Renderers only format: they never parse SQL or read files.
package report

import (
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pgsafe/pgsafe/internal/fingerprint"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/rules"
)

// ruleDocs is the address of the folder of rule pages in the repository.
const ruleDocs = "https://github.com/pgsafe/pgsafe/blob/main/docs/rules/"

// RuleURL returns the address of the documentation page of the rule with
// the given code.
func RuleURL(code string) string { return ruleDocs + code + ".md" }

// Input is everything a renderer may show.
type Input struct {
	Result   *lint.Result
	Errors   []error // inputs that could not be read
	Duration time.Duration
	// Rules are the rules the run enabled, listed by the SARIF renderer
	// even when they found nothing; nil lists only the rules of findings.
	Rules []*rules.Rule
	// Fingerprints holds one fingerprint per diagnostic of Result, in
	// order, computed before any finding was left out (so that leaving
	// one out does not renumber the others); nil computes them from
	// Result.
	Fingerprints []string
	// Baselined counts the findings left out because a baseline records
	// them.
	Baselined int
}

// fingerprints returns in.Fingerprints, or computes them when they do not
// match the diagnostics.
func (in Input) fingerprints() []string {
	if len(in.Fingerprints) == len(in.Result.Diagnostics) {
		return in.Fingerprints
	}
	return fingerprint.Of(in.Result, nil)
}

// CIOptions configure the renderers for CI systems (github, sarif,
// gitlab), which place findings by their path in the repository.
type CIOptions struct {
	// PathPrefix is put before every path, so that paths given relative to
	// a folder inside the repository become relative to its root: "" or a
	// slash-separated folder ending in "/".
	PathPrefix string
	// Root is the checkout's root as an absolute path (CI_PROJECT_DIR,
	// GITHUB_WORKSPACE), or "": an absolute path inside it is given
	// relative to it, since the CI systems place findings by their path in
	// the repository. Absolute paths elsewhere stay absolute.
	Root string
	// ToolVersion is pgsafe's version, for SARIF's tool.driver.version;
	// "" leaves it out.
	ToolVersion string
}

// path returns p as the CI system should see it: slash-separated, cleaned,
// and under PathPrefix unless it is absolute. An absolute path inside Root
// becomes relative to Root.
func (o CIOptions) path(p string) string {
	if filepath.IsAbs(p) {
		if o.Root != "" && filepath.IsAbs(o.Root) {
			rel, err := filepath.Rel(o.Root, p)
			if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return filepath.ToSlash(rel)
			}
		}
		return filepath.ToSlash(filepath.Clean(p))
	}
	return path.Clean(o.PathPrefix + filepath.ToSlash(p))
}

// Summary counts what a run saw.
type Summary struct {
	Files      int `json:"files"`
	Statements int `json:"statements"`
	Errors     int `json:"errors"`
	Warnings   int `json:"warnings"`
	Hints      int `json:"hints"`
	// DurationMS is the wall time of the run in milliseconds.
	DurationMS int64 `json:"duration_ms"`
	// Baselined counts the findings a baseline left out; absent when 0.
	Baselined int `json:"baselined,omitempty"`
}

// Summarize counts the findings of in by severity.
func Summarize(in Input) Summary {
	s := Summary{Files: len(in.Result.Files), Statements: in.Result.Statements, DurationMS: in.Duration.Milliseconds(), Baselined: in.Baselined}
	for _, d := range in.Result.Diagnostics {
		switch d.Severity {
		case rules.Error:
			s.Errors++
		case rules.Warning:
			s.Warnings++
		default:
			s.Hints++
		}
	}
	return s
}
