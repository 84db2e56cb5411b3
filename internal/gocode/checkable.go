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
// becomes "--"), so that they suppress findings as in a query file. Only
// a comment alone on its line counts, since an ignore comment applies to
// the next statement: one after a call on the same line would apply to
// the call after it.
func withSuppressions(src, sql string) string {
	if len(src) != len(sql) || !strings.Contains(src, "pgsafe:ignore") {
		return sql
	}
	out := []byte(sql)
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
		if !strings.HasPrefix(strings.TrimSpace(lit[2:]), "pgsafe:ignore") {
			continue
		}
		off := int(pos) - 1
		lineStart := strings.LastIndexByte(src[:off], '\n') + 1
		if strings.TrimSpace(src[lineStart:off]) != "" {
			continue
		}
		if strings.TrimSpace(string(out[off:off+len(lit)])) != "" {
			continue // the SQL of a query put together from constants goes on there
		}
		copy(out[off:], "--"+lit[2:])
	}
	return string(out)
}
