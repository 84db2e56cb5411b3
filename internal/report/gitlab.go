package report

import (
	"encoding/json"
	"io"

	"github.com/pgsafe/pgsafe/rules"
)

type gitlabIssue struct {
	Description string         `json:"description"`
	CheckName   string         `json:"check_name"`
	Fingerprint string         `json:"fingerprint"`
	Severity    string         `json:"severity"`
	Location    gitlabLocation `json:"location"`
}

type gitlabLocation struct {
	Path  string      `json:"path"`
	Lines gitlabLines `json:"lines"`
}

type gitlabLines struct {
	Begin int `json:"begin"`
}

// GitLab writes a GitLab Code Quality report: a JSON array with one issue
// per finding. The description is the rule's code and name and the
// message; check_name is the rule's code; the fingerprint survives edits
// elsewhere in the file, so that GitLab can tell new findings from old
// ones; severity maps error to critical, warning to major and hint to
// minor. Inputs that could not be read have no place in the format: the
// caller reports them.
func GitLab(w io.Writer, in Input, opts CIOptions) error {
	files := filesByPath(in)
	fps := in.fingerprints()
	out := make([]gitlabIssue, 0, len(in.Result.Diagnostics))
	for i, d := range in.Result.Diagnostics {
		line := 1
		if f := files[d.Path]; f != nil {
			line = f.Lines.Position(d.Span.Start).Line
		}
		out = append(out, gitlabIssue{
			Description: d.Rule.Code + " " + d.Rule.Name + ": " + d.Message,
			CheckName:   d.Rule.Code,
			Fingerprint: fps[i],
			Severity:    gitlabSeverity(d.Severity),
			Location:    gitlabLocation{Path: opts.path(d.Path), Lines: gitlabLines{Begin: line}},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// gitlabSeverity maps a severity to one of Code Quality's: info, minor,
// major, critical or blocker.
func gitlabSeverity(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "critical"
	case rules.Warning:
		return "major"
	default:
		return "minor"
	}
}
