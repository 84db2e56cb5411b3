package report

import (
	"encoding/json"
	"io"
)

// JSONVersion is the version of the JSON contract. Fields may be added
// within a version, never renamed or removed.
const JSONVersion = 1

type jsonReport struct {
	Version     int              `json:"version"`
	Files       []jsonFile       `json:"files"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	Errors      []jsonError      `json:"errors"`
	Summary     Summary          `json:"summary"`
}

type jsonFile struct {
	Path       string `json:"path"`
	Framework  string `json:"framework"`
	Mode       string `json:"mode"`
	Direction  string `json:"direction"`
	Statements int    `json:"statements"`
	Skipped    string `json:"skipped,omitempty"`
}

type jsonDiagnostic struct {
	File      string   `json:"file"`
	Line      int      `json:"line"`
	Column    int      `json:"column"`
	EndLine   int      `json:"end_line"`
	EndColumn int      `json:"end_column"`
	Rule      string   `json:"rule"`
	Code      string   `json:"code"`
	Severity  string   `json:"severity"`
	Message   string   `json:"message"`
	Help      string   `json:"help"`
	Lock      *string  `json:"lock"`
	Table     *string  `json:"table"`
	Fix       *jsonFix `json:"fix"`
}

type jsonFix struct {
	Title  string `json:"title"`
	Safety string `json:"safety"`
}

type jsonError struct {
	Message string `json:"message"`
}

// JSON writes the stable JSON report.
func JSON(w io.Writer, in Input) error {
	out := jsonReport{Version: JSONVersion, Files: []jsonFile{}, Diagnostics: []jsonDiagnostic{}, Errors: []jsonError{}, Summary: Summarize(in)}
	files := filesByPath(in)
	for _, f := range in.Result.Files {
		out.Files = append(out.Files, jsonFile{Path: f.Path, Framework: string(f.Framework), Mode: f.Mode.String(), Direction: f.Direction.String(), Statements: len(f.Statements)})
	}
	for _, s := range in.Result.Skipped {
		out.Files = append(out.Files, jsonFile{Path: s.Path, Skipped: s.Reason})
	}
	for _, d := range in.Result.Diagnostics {
		jd := jsonDiagnostic{
			File: d.Path, Rule: d.Rule.Name, Code: d.Rule.Code, Severity: d.Severity.String(), Message: d.Message, Help: helpOf(d),
		}
		if f := files[d.Path]; f != nil {
			start, end := f.Lines.Position(d.Span.Start), f.Lines.Position(d.Span.End)
			jd.Line, jd.Column, jd.EndLine, jd.EndColumn = start.Line, start.Column, end.Line, end.Column
		}
		if s := d.Lock.String(); s != "" {
			jd.Lock = &s
		}
		if d.Table != "" {
			t := d.Table
			jd.Table = &t
		}
		if len(d.Fixes) > 0 {
			jd.Fix = &jsonFix{Title: d.Fixes[0].Title, Safety: string(d.Fixes[0].Safety)}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	for _, e := range in.Errors {
		out.Errors = append(out.Errors, jsonError{Message: e.Error()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
