package rewrite

import (
	"go/parser"
	"go/token"
	"maps"
	"strings"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
)

// codeSQL keeps, for the query files of SQL found in Go code
// (lint.Options.Code), the Go source that fixes edit and the SQL that
// pgsafe finds in it, which the lint rounds check. When fixes change a Go
// file, the SQL of every Go file is found again from the fixed sources,
// read together so that each package type-checks as it did.
type codeSQL struct {
	sources map[string]string         // Go source by path, as fixed so far
	sql     map[string]string         // SQL found in sources, by path
	queries map[string][]gocode.Query // queries found in sources, by path
	paths   []string                  // in input order
}

// newCodeSQL starts from the Go sources and their SQL in opts.
func newCodeSQL(opts lint.Options) *codeSQL {
	c := &codeSQL{sources: map[string]string{}, sql: map[string]string{}, queries: map[string][]gocode.Query{}}
	for _, q := range opts.Queries {
		src, ok := opts.Code[q.Path]
		if !ok || len(src) != len(q.Text) {
			continue
		}
		c.paths = append(c.paths, q.Path)
		c.sources[q.Path], c.sql[q.Path] = src, q.Text
		c.queries[q.Path] = opts.CodeQueries[q.Path]
	}
	return c
}

// has reports whether path is a Go file whose SQL is checked.
func (c *codeSQL) has(path string) bool {
	_, ok := c.sources[path]
	return ok
}

// source returns the Go source of path.
func (c *codeSQL) source(path string) (string, bool) {
	src, ok := c.sources[path]
	return src, ok
}

// update takes the fixed texts of the Go files from files and, when any
// changed, finds their SQL again. A file in which no SQL is found any
// more keeps an empty SQL text (all blanks), which has no findings.
func (c *codeSQL) update(files []*File) {
	changed := false
	next := maps.Clone(c.sources)
	for _, f := range files {
		if old, ok := c.sources[f.Path]; ok && old != f.Fixed {
			next[f.Path], changed = f.Fixed, true
		}
	}
	if !changed {
		return
	}
	c.sources = next
	in := make([]source.File, len(c.paths))
	for i, p := range c.paths {
		in[i] = source.File{Path: p, Text: c.sources[p]}
	}
	found, _ := gocode.Extract(in) // the fixed files parse (goValid)
	c.sql, c.queries = map[string]string{}, map[string][]gocode.Query{}
	for _, p := range c.paths {
		c.sql[p] = strings.Repeat(" ", len(c.sources[p]))
	}
	for _, f := range found {
		c.sql[f.Path], c.queries[f.Path] = f.Checkable(c.sources[f.Path]), f.Queries
	}
}

// isGo reports whether path names a Go source file.
func isGo(path string) bool { return strings.HasSuffix(path, ".go") }

// goValid reports whether text parses as the Go file path.
func goValid(path, text string) bool {
	_, err := parser.ParseFile(token.NewFileSet(), path, text, parser.SkipObjectResolution)
	return err == nil
}
