package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/docgen"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// SARIF 2.1.0 constants.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// sarifFingerprint names pgsafe's fingerprint among a result's
	// partialFingerprints.
	sarifFingerprint = "pgsafe/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	ColumnKind  string            `json:"columnKind"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	SemVer         string      `json:"semanticVersion,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string           `json:"id"`
	Name                 string           `json:"name"`
	ShortDescription     sarifMessage     `json:"shortDescription"`
	FullDescription      sarifMessage     `json:"fullDescription"`
	Help                 sarifMultiformat `json:"help"`
	HelpURI              string           `json:"helpUri"`
	DefaultConfiguration sarifConfig      `json:"defaultConfiguration"`
	Properties           sarifRuleProps   `json:"properties"`
}

// sarifRuleProps are pgsafe's properties of a rule descriptor.
type sarifRuleProps struct {
	// FixAvailability says what `pgsafe fix` does with the rule's
	// findings: none, display-only, sometimes or always.
	FixAvailability string `json:"fixAvailability"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool                `json:"executionSuccessful"`
	Notifications       []sarifNotification `json:"toolExecutionNotifications"`
}

type sarifNotification struct {
	Level   string       `json:"level"`
	Message sarifMessage `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Fixes               []sarifFix        `json:"fixes,omitempty"`
	Properties          map[string]string `json:"properties,omitempty"`
}

type sarifLocation struct {
	// ID numbers a related location within its result.
	ID               *int                  `json:"id,omitempty"`
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
	Message          *sarifMessage         `json:"message,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

// sarifRegion is a text region. Columns, CharOffset and CharLength count
// UTF-16 code units, as the run's columnKind says.
type sarifRegion struct {
	StartLine   int  `json:"startLine"`
	StartColumn int  `json:"startColumn"`
	EndLine     int  `json:"endLine"`
	EndColumn   int  `json:"endColumn"`
	CharOffset  *int `json:"charOffset,omitempty"`
	CharLength  *int `json:"charLength,omitempty"`
}

type sarifFix struct {
	Description     sarifMessage          `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Replacements     []sarifReplacement    `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion   `json:"deletedRegion"`
	InsertedContent *sarifContent `json:"insertedContent,omitempty"`
}

type sarifContent struct {
	Text string `json:"text"`
}

// SARIF writes a SARIF 2.1.0 log with one run. The driver lists the
// enabled rules (in.Rules) and any other rule a finding names, each with
// its summary, explanation, help (its documentation page as Markdown),
// the address of that page, and its fix availability as the property
// fixAvailability. Each result has its region, a fingerprint
// that survives edits elsewhere in the file, and, when the finding has a
// fix that can be applied, that fix as artifact changes. Columns and
// character offsets count UTF-16 code units, SARIF's default. Inputs that
// could not be read become error notifications of the invocation.
func SARIF(w io.Writer, in Input, opts CIOptions) error {
	ruleList, index := sarifRules(in)
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: "pgsafe", InformationURI: "https://github.com/pgsafe/pgsafe", Rules: ruleList}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: len(in.Errors) == 0, Notifications: []sarifNotification{}}},
		ColumnKind:  "utf16CodeUnits",
		Results:     []sarifResult{},
	}
	run.Tool.Driver.Version, run.Tool.Driver.SemVer = sarifVersions(opts.ToolVersion)
	for _, err := range in.Errors {
		run.Invocations[0].Notifications = append(run.Invocations[0].Notifications, sarifNotification{Level: "error", Message: sarifMessage{Text: err.Error()}})
	}
	files := filesByPath(in)
	fps := in.fingerprints()
	for i, d := range in.Result.Diagnostics {
		r := sarifResult{
			RuleID: d.Rule.Code, RuleIndex: index[d.Rule.Code], Level: sarifLevel(d.Severity),
			Message:             sarifMessage{Text: messageWithEstimate(d)},
			PartialFingerprints: map[string]string{sarifFingerprint: fps[i]},
		}
		loc := sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(opts.path(d.Path))}}
		if f := files[d.Path]; f != nil {
			region := utf16Region(f.Text, f.Lines, d.Span.Start, d.Span.End, false)
			loc.Region = &region
		}
		r.Locations = []sarifLocation{{PhysicalLocation: loc}}
		r.RelatedLocations = sarifRelated(d, files, opts)
		if fx := sarifFixOf(d, files, opts); fx != nil {
			r.Fixes = []sarifFix{*fx}
		}
		if lock := d.Lock.String(); lock != "" || d.Table != "" {
			r.Properties = map[string]string{}
			if lock != "" {
				r.Properties["lock"] = lock
			}
			if d.Table != "" {
				r.Properties["table"] = d.Table
			}
			for k, v := range impactProperties(d.Impact) {
				r.Properties[k] = v
			}
		}
		run.Results = append(run.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifRelated returns the related locations of d: the other statements
// its message names (rules.Diagnostic.Related), each with what it is to
// the finding.
func sarifRelated(d rules.Diagnostic, files map[string]*migration.File, opts CIOptions) []sarifLocation {
	var out []sarifLocation
	for i, rel := range d.Related {
		path := rel.Path
		if path == "" {
			path = d.Path
		}
		loc := sarifPhysicalLocation{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(opts.path(path))}}
		if f := files[path]; f != nil {
			region := utf16Region(f.Text, f.Lines, rel.Span.Start, rel.Span.End, false)
			loc.Region = &region
		}
		id := i + 1
		out = append(out, sarifLocation{ID: &id, PhysicalLocation: loc, Message: &sarifMessage{Text: rel.Message}})
	}
	return out
}

// sarifRules returns the rule descriptors of a run, by code, and the index
// of each code among them.
func sarifRules(in Input) ([]sarifRule, map[string]int) {
	byCode := map[string]*rules.Rule{}
	for _, r := range in.Rules {
		byCode[r.Code] = r
	}
	for _, d := range in.Result.Diagnostics {
		if _, ok := byCode[d.Rule.Code]; !ok {
			byCode[d.Rule.Code] = d.Rule
		}
	}
	codes := make([]string, 0, len(byCode))
	for code := range byCode {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	out := make([]sarifRule, len(codes))
	index := make(map[string]int, len(codes))
	for i, code := range codes {
		r := byCode[code]
		index[code] = i
		out[i] = sarifRule{
			ID: r.Code, Name: r.Name,
			ShortDescription:     sarifMessage{Text: r.Doc.Summary},
			FullDescription:      sarifMessage{Text: firstNonEmpty(r.Doc.Why, r.Doc.Summary)},
			Help:                 sarifMultiformat{Text: firstNonEmpty(r.Doc.Help, r.Doc.Summary), Markdown: docgen.Page(r)},
			HelpURI:              RuleURL(r.Code),
			DefaultConfiguration: sarifConfig{Level: sarifLevel(r.Severity)},
			Properties:           sarifRuleProps{FixAvailability: string(r.FixAvailability)},
		}
	}
	return out, index
}

// sarifFixOf returns the first fix of d that can be applied (it has edits
// and is not display-only) as a SARIF fix, or nil.
func sarifFixOf(d rules.Diagnostic, files map[string]*migration.File, opts CIOptions) *sarifFix {
	for _, fx := range d.Fixes {
		if len(fx.Edits) == 0 || fx.Safety == rules.DisplayOnly {
			continue
		}
		out := &sarifFix{Description: sarifMessage{Text: fx.Title + " (" + string(fx.Safety) + ")"}}
		changes := map[string]int{} // path -> index in ArtifactChanges
		for _, e := range fx.Edits {
			path := e.Path
			if path == "" {
				path = d.Path
			}
			i, ok := changes[path]
			if !ok {
				i = len(out.ArtifactChanges)
				changes[path] = i
				out.ArtifactChanges = append(out.ArtifactChanges, sarifArtifactChange{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(opts.path(path))}})
			}
			// A file that no run input holds is one the fix creates: its
			// text is empty.
			text, lines := "", sqlparse.NewLines("")
			if f := files[path]; f != nil {
				text, lines = f.Text, f.Lines
			}
			rep := sarifReplacement{DeletedRegion: utf16Region(text, lines, e.Start, e.End, true)}
			if e.NewText != "" {
				rep.InsertedContent = &sarifContent{Text: e.NewText}
			}
			out.ArtifactChanges[i].Replacements = append(out.ArtifactChanges[i].Replacements, rep)
		}
		return out
	}
	return nil
}

// utf16Region returns the region of text's bytes [start, end) with
// columns, and with offsets too, in UTF-16 code units.
func utf16Region(text string, lines *sqlparse.Lines, start, end int, offsets bool) sarifRegion {
	start, end = clamp(start, len(text)), clamp(end, len(text))
	sp, ep := lines.Position(start), lines.Position(end)
	r := sarifRegion{
		StartLine: sp.Line, StartColumn: utf16Column(lines, start),
		EndLine: ep.Line, EndColumn: utf16Column(lines, end),
	}
	if offsets {
		off, n := lines.UTF16(start), lines.UTF16(end)-lines.UTF16(start)
		r.CharOffset, r.CharLength = &off, &n
	}
	return r
}

// utf16Column returns the 1-based UTF-16 column of byte offset off.
func utf16Column(lines *sqlparse.Lines, off int) int {
	return lines.UTF16(off) - lines.UTF16(lines.LineStart(off)) + 1
}

func clamp(off, n int) int {
	return max(0, min(off, n))
}

// sarifURI returns a path as a URI reference: relative paths stay
// relative, with reserved characters escaped; absolute ones become file
// URIs.
func sarifURI(p string) string {
	if filepath.IsAbs(p) {
		return (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String()
	}
	return (&url.URL{Path: p}).String()
}

// sarifVersions returns the driver's version and semantic version for a
// Go module version: "v1.2.3" gives "1.2.3" for both, since SARIF viewers
// compare versions that start with a number; anything else ("(devel)")
// is only the version.
func sarifVersions(v string) (version, semver string) {
	if rest, ok := strings.CutPrefix(v, "v"); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
		return rest, rest
	}
	return v, ""
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	default:
		return "note"
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
