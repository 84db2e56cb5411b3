// Package report renders lint results. Renderers only format: they never
// parse SQL or read files.
package report

import (
	"time"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/rules"
)

// Input is everything a renderer may show.
type Input struct {
	Result   *lint.Result
	Errors   []error // inputs that could not be read
	Duration time.Duration
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
}

// Summarize counts the findings of in by severity.
func Summarize(in Input) Summary {
	s := Summary{Files: len(in.Result.Files), Statements: in.Result.Statements, DurationMS: in.Duration.Milliseconds()}
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
