package gocode

import "github.com/pgsafe/pgsafe/internal/source"

// Checked is the SQL of a set of Go files in the form that pgsafe lint
// checks it (lint.Options Queries, Code and CodeQueries).
type Checked struct {
	// SQL holds one file per Go file that sends SQL, in input order: its
	// path and its Checkable SQL, aligned with its Go source.
	SQL []source.File
	// Sources are those files' Go sources, by path.
	Sources map[string]string
	// Queries are those files' queries, by path.
	Queries map[string][]Query
}

// Check finds the SQL that files (Go sources, by path and text) send, as
// Extract does, and returns it as lint reads it, with one error per file
// that does not parse (file:line:col: message). The texts are taken as
// given: a caller that holds unsaved text of a file (an editor's buffer)
// passes that text in place of the file's on disk.
func Check(files []source.File) (Checked, []error) {
	texts := make(map[string]string, len(files))
	for _, f := range files {
		texts[f.Path] = f.Text
	}
	found, errs := Extract(files)
	out := Checked{Sources: map[string]string{}, Queries: map[string][]Query{}}
	for _, f := range found {
		out.SQL = append(out.SQL, source.File{Path: f.Path, Text: f.Checkable(texts[f.Path])})
		out.Sources[f.Path] = texts[f.Path]
		out.Queries[f.Path] = f.Queries
	}
	return out, errs
}
