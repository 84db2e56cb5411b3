package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/corpus"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// The JSON contract as structs: what encoding/json makes of them is what
// JSON must write.
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
	Source     string `json:"framework_source"`
	Evidence   string `json:"framework_evidence"`
	Mode       string `json:"mode"`
	Direction  string `json:"direction"`
	Statements int    `json:"statements"`
	Skipped    string `json:"skipped,omitempty"`
}

type jsonDiagnostic struct {
	File      string  `json:"file"`
	Line      int     `json:"line"`
	Column    int     `json:"column"`
	EndLine   int     `json:"end_line"`
	EndColumn int     `json:"end_column"`
	Rule      string  `json:"rule"`
	Code      string  `json:"code"`
	Severity  string  `json:"severity"`
	Message   string  `json:"message"`
	Help      string  `json:"help"`
	Lock      *string `json:"lock"`
	Table     *string `json:"table"`
	// The table's figures and the estimated block (lint --stats), null
	// when unknown; Estimate says it in words.
	TableRows        *int64   `json:"table_rows"`
	TableBytes       *int64   `json:"table_bytes"`
	WritesPerSecond  *float64 `json:"writes_per_second"`
	EstimatedBlockMS *int64   `json:"estimated_block_ms"`
	Estimate         *string  `json:"estimate"`
	Direction        string   `json:"direction"`
	Fix              *jsonFix `json:"fix"`
}

type jsonFix struct {
	Title  string `json:"title"`
	Safety string `json:"safety"`
}

type jsonError struct {
	Message string `json:"message"`
}

// contractJSON renders in through the contract structs and encoding/json.
func contractJSON(t *testing.T, in Input) string {
	t.Helper()
	out := jsonReport{Version: JSONVersion, Files: []jsonFile{}, Diagnostics: []jsonDiagnostic{}, Errors: []jsonError{}, Summary: Summarize(in)}
	files := filesByPath(in)
	for _, f := range in.Result.Files {
		out.Files = append(out.Files, jsonFile{Path: f.Path, Framework: f.Tool.Name, Source: string(f.Choice.Source), Evidence: f.Choice.Evidence, Mode: f.Run.String(), Direction: f.Direction.String(), Statements: len(f.Statements)})
	}
	for _, s := range in.Result.Skipped {
		out.Files = append(out.Files, jsonFile{Path: s.Path, Skipped: s.Reason})
	}
	for _, d := range in.Result.Diagnostics {
		jd := jsonDiagnostic{File: d.Path, Rule: d.Rule.Name, Code: d.Rule.Code, Severity: d.Severity.String(), Message: d.Message, Help: helpOf(d)}
		if f := files[d.Path]; f != nil {
			start, end := f.Lines.Position(d.Span.Start), f.Lines.Position(d.Span.End)
			jd.Line, jd.Column, jd.EndLine, jd.EndColumn = start.Line, start.Column, end.Line, end.Column
		}
		if s := d.Lock.String(); s != "" {
			jd.Lock = &s
		}
		if d.Table != "" {
			tb := d.Table
			jd.Table = &tb
		}
		if im := d.Impact; im != nil {
			if im.Known || im.New {
				if im.Rows >= 0 {
					rows := im.Rows
					jd.TableRows = &rows
				}
				bytes, writes := im.Bytes, im.WritesPerSecond
				jd.TableBytes = &bytes
				if writes >= 0 {
					jd.WritesPerSecond = &writes
				}
			}
			if im.Estimated {
				ms := im.Block.Milliseconds()
				jd.EstimatedBlockMS = &ms
			}
			note := im.Note
			jd.Estimate = &note
		}
		jd.Direction = "up"
		if d.Down {
			jd.Direction = "down"
		}
		if len(d.Fixes) > 0 {
			jd.Fix = &jsonFix{Title: d.Fixes[0].Title, Safety: string(d.Fixes[0].Safety)}
		}
		out.Diagnostics = append(out.Diagnostics, jd)
	}
	for _, e := range in.Errors {
		out.Errors = append(out.Errors, jsonError{Message: e.Error()})
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(out))
	return b.String()
}

func streamedJSON(t *testing.T, in Input) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, JSON(&b, in))
	return b.String()
}

// TestJSONWriterMatchesContract checks the streamed JSON byte for byte
// against encoding/json: on an empty run, on strings that need every kind
// of escape, and on the findings of the whole shared corpus.
func TestJSONWriterMatchesContract(t *testing.T) {
	empty := Input{Result: &lint.Result{}}
	assert.Equal(t, contractJSON(t, empty), streamedJSON(t, empty))

	odd := "quote \" backslash \\ <tag> & amp \n\r\t\b\f \x01\x1f del \x7f é 😀 \u2028 \u2029 bad \xff\xfe end"
	rule := rules.Lookup(rules.All(), "PS001")
	files := []source.File{{Path: "a.sql", Text: "CREATE INDEX i ON t (c);\nSELECT 1;\n"}}
	res := lint.Run(files, lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}})
	res.Skipped = append(res.Skipped, lint.Skipped{Path: "b " + odd, Reason: "why " + odd})
	res.Diagnostics = append(res.Diagnostics,
		rules.Diagnostic{Rule: rule, Path: "a.sql", Span: sqlparse.Span{Start: 3, End: 30}, Severity: rules.Hint, Message: odd, Help: odd, Lock: locks.AccessExclusive, Table: odd,
			Fixes: []rules.Fix{{Title: odd, Safety: rules.Unsafe}}},
		rules.Diagnostic{Rule: rule, Path: "not-in-run.sql", Severity: rules.Error, Message: "m", Down: true},
		rules.Diagnostic{Rule: rule, Path: "a.sql", Severity: rules.Hint, Message: "known", Lock: locks.Share, Table: "orders",
			Impact: &rules.Impact{Table: "orders", Known: true, Rows: 48_000_000, Bytes: 9_771_000_000, WritesPerSecond: 1200.25, Block: 183_456 * time.Millisecond, Estimated: true, Note: odd}},
		rules.Diagnostic{Rule: rule, Path: "a.sql", Severity: rules.Error, Message: "no row count", Lock: locks.Share, Table: "t",
			Impact: &rules.Impact{Table: "t", Known: true, Rows: -1, Bytes: 8192, WritesPerSecond: -1, Note: "n"}},
		rules.Diagnostic{Rule: rule, Path: "a.sql", Severity: rules.Error, Message: "unknown table", Lock: locks.Share, Table: "u",
			Impact: &rules.Impact{Table: "u", Note: "u is not in the snapshot"}},
	)
	in := Input{Result: res, Errors: []error{errors.New(odd), errors.New("second")}, Baselined: 3}
	assert.Equal(t, contractJSON(t, in), streamedJSON(t, in))

	big := Input{Result: lint.Run(corpus.BenchmarkInput(t), lint.Options{Rules: rules.All(), Known: rules.All(), Rule: rules.Options{PGVersion: 15, LockTimeout: "2s"}})}
	require.NotEmpty(t, big.Result.Diagnostics)
	assert.Equal(t, contractJSON(t, big), streamedJSON(t, big))
}
