package gocode

import (
	"go/scanner"
	"go/token"
	"strings"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Checkable returns the SQL that pgsafe checks for f, whose Go source is
// src: f.SQL without the queries it cannot check (see checkable), with
// the source's pgsafe:ignore comments written in (see withSuppressions).
// It is aligned with src, as f.SQL is.
func (f File) Checkable(src string) string {
	return withSuppressions(src, f.checkable())
}

// checkable returns f's SQL without the queries that pgsafe cannot
// check: those whose SQL is partly built at run time (Query.Partial)
// and does not parse even with stand-ins for the unknown parts, and the
// complete ones that do not parse (Query.SyntaxError). Each becomes white
// space of its width, lines kept, so that it does not stop the checks of
// the file's other queries. A partial one is dropped silently: its text
// is not what runs. A complete one is SQL that PostgreSQL refuses, which
// lint reports as a syntax error at the query's place.
func (f File) checkable() string {
	var out []byte
	for _, q := range f.Queries {
		if q.Start < 0 || q.End > len(f.SQL) || q.Start >= q.End {
			continue
		}
		if q.SyntaxError == nil && (!q.Partial || sqlparse.Valid(f.SQL[q.Start:q.End])) {
			continue
		}
		if out == nil {
			out = []byte(f.SQL)
		}
		for i := q.Start; i < q.End; i++ {
			if out[i] != '\n' {
				out[i] = ' '
			}
		}
	}
	if out == nil {
		return f.SQL
	}
	return string(out)
}

// findSyntaxErrors sets the SyntaxError of each complete query whose SQL
// does not parse. The file's SQL is parsed as a whole first: when it
// parses, every query does.
func (f *File) findSyntaxErrors() {
	if sqlparse.Valid(f.SQL) {
		return
	}
	for i := range f.Queries {
		q := &f.Queries[i]
		if q.Partial || q.Start < 0 || q.End > len(f.SQL) || q.Start >= q.End {
			continue
		}
		res := sqlparse.Parse(f.SQL[q.Start:q.End])
		if res.Err == nil {
			continue
		}
		e := *res.Err
		e.Offset += q.Start
		q.SyntaxError = &e
	}
}

// withSuppressions returns sql, the SQL found in the Go source src and
// aligned with it, with the source's pgsafe:ignore and pgsafe:ignore-file
// line comments written in as SQL comments at the same place ("//"
// becomes "--"), so that they suppress findings as in a query file. Which
// query a line comment covers is not left to the SQL (where the next
// statement may be another call's, or none, for a query that does not
// parse): Scopes says it. A comment on bytes that hold the SQL of a query
// put together from constants is left out.
func withSuppressions(src, sql string) string {
	if len(src) != len(sql) || !strings.Contains(src, "pgsafe:ignore") {
		return sql
	}
	out := []byte(sql)
	for _, c := range ignoreComments(src) {
		if strings.TrimSpace(string(out[c.off:c.off+len(c.text)])) != "" {
			continue // the SQL of a query put together from constants goes on there
		}
		copy(out[c.off:], "--"+c.text[2:])
	}
	return string(out)
}

// goComment is a pgsafe:ignore line comment of a Go source.
type goComment struct {
	off   int    // of its "//"
	text  string // from "//" to the end of the line
	alone bool   // alone on its line, not after code
	file  bool   // pgsafe:ignore-file
}

// ignoreComments returns the pgsafe:ignore and pgsafe:ignore-file line
// comments of the Go source src, in order. Comments come from Go's
// scanner, so text in string literals never counts.
func ignoreComments(src string) []goComment {
	if !strings.Contains(src, "pgsafe:ignore") {
		return nil
	}
	var out []goComment
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), nil, scanner.ScanComments)
	for {
		pos, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if tok != token.COMMENT || !strings.HasPrefix(lit, "//") {
			continue
		}
		body := strings.TrimSpace(lit[2:])
		if !strings.HasPrefix(body, "pgsafe:ignore") {
			continue
		}
		off := int(pos) - 1
		lineStart := strings.LastIndexByte(src[:off], '\n') + 1
		out = append(out, goComment{
			off: off, text: lit, alone: strings.TrimSpace(src[lineStart:off]) == "",
			file: strings.HasPrefix(body, "pgsafe:ignore-file"),
		})
	}
	return out
}

// Scopes returns what each pgsafe:ignore line comment (not ignore-file)
// of the Go source src covers, by the offset of its "//": the spans of the
// SQL of the queries (as found in src) that it is about, or none.
//
//   - A comment alone on its line covers the queries of the next Go
//     statement that sends one (Query.Stmt), or, when the SQL of a query
//     comes first (a constant declared below the comment), that query.
//   - A comment after code covers the queries whose statement has code
//     on its line before it (a call's arguments may run over several
//     lines; the comment may end any of them), or whose SQL does (a
//     constant).
//
// A scope runs one byte past the query's SQL, over the ';' written there
// and the end of input, where PostgreSQL places some syntax errors.
// Suppression (internal/suppress) applies a comment to the findings that
// start in its scopes, the query's syntax error included, in place of the
// next statement of the SQL.
func Scopes(src string, queries []Query) map[int][]sqlparse.Span {
	comments := ignoreComments(src)
	if len(comments) == 0 {
		return nil
	}
	scope := func(q Query) sqlparse.Span { return sqlparse.Span{Start: q.Start, End: q.End + 1} }
	out := map[int][]sqlparse.Span{}
	for _, c := range comments {
		if c.file {
			continue
		}
		out[c.off] = []sqlparse.Span{}
		if c.alone {
			next := -1
			for _, q := range queries {
				for _, at := range []int{q.Stmt.Start, q.Start} {
					if at > c.off && (next < 0 || at < next) {
						next = at
					}
				}
			}
			for _, q := range queries {
				if next >= 0 && (q.Stmt.Start == next || q.Start == next) {
					out[c.off] = append(out[c.off], scope(q))
				}
			}
			continue
		}
		lineStart := strings.LastIndexByte(src[:c.off], '\n') + 1
		onLine := func(sp sqlparse.Span) bool { return sp.Start >= 0 && sp.Start < c.off && sp.End >= lineStart }
		for _, q := range queries {
			if onLine(q.Stmt) || onLine(sqlparse.Span{Start: q.Start, End: q.End}) {
				out[c.off] = append(out[c.off], scope(q))
			}
		}
	}
	return out
}
