package lsp

import (
	"context"
	"fmt"
	"go/scanner"
	"go/token"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/gocode"
	"github.com/pgsafe/pgsafe/rules"
)

// goCodeActions answers textDocument/codeAction in an open Go document:
// for each finding in the range, of each set whose code globs read the
// file, its fixes (fix --code's edits of the query's string literal) and
// an action that suppresses it with a Go comment; and, from the first of
// those sets, "fix all safe fixes" for the file.
func (s *server) goCodeActions(ctx context.Context, path string, params CodeActionParams) ([]CodeAction, error) {
	out := []CodeAction{}
	s.mu.Lock()
	if s.docs[path] == nil {
		s.mu.Unlock()
		return out, nil
	}
	var sets []*project
	for _, p := range s.projects {
		if p.readsGo(path) {
			sets = append(sets, p)
		}
	}
	s.mu.Unlock()
	sort.Slice(sets, func(i, j int) bool { return sets[i].root < sets[j].root })
	fixAllWanted := wanted(params.Context.Only, kindFixAll)
	for _, p := range sets {
		err := p.withFresh(ctx, func(c checked) error {
			if _, read := c.versions[path]; !read {
				return nil
			}
			src, ok := p.goFound.Sources[path]
			if !ok {
				return nil // the file sends no SQL
			}
			x := newLineIndex(src, s.encoding)
			start, end := x.offset(params.Range.Start), x.offset(params.Range.End)
			if wanted(params.Context.Only, kindQuickFix) {
				for _, d := range p.diags[path] {
					if !overlaps(d.Span.Start, d.Span.End, start, end) {
						continue
					}
					ld := s.diagnosticLocked(p, d, x)
					out = append(out, s.fixActions(p, path, c, d, ld)...)
					if edit, ok := s.goIgnoreEdit(path, c, src, p.goFound.Queries[path], d); ok {
						out = append(out, CodeAction{Title: fmt.Sprintf("%s: ignore %s here (pgsafe:ignore)", d.Rule.Code, d.Rule.Name), Kind: kindQuickFix, Diagnostics: []Diagnostic{ld}, Edit: edit})
					}
				}
			}
			if fixAllWanted {
				action, err := s.fixAll(ctx, p, path, c)
				if err != nil {
					return err
				}
				if action != nil {
					out = append(out, *action)
					fixAllWanted = false
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// goIgnoreEdit returns the edit that suppresses finding d in the Go
// source src: a `// pgsafe:ignore CODE reason` comment on a line of its
// own above the line where the SQL of d's query (one of qs) starts,
// indented as that line is. That is the form gocode honours: a
// pgsafe:ignore line comment alone on its line applies to the next
// query after it (gocode.File.Checkable).
func (s *server) goIgnoreEdit(path string, c checked, src string, qs []gocode.Query, d rules.Diagnostic) (*WorkspaceEdit, bool) {
	at := d.Span.Start
	for _, q := range qs {
		if q.Start <= at && at < max(q.End, q.Start+1) {
			at = q.Start
			break
		}
	}
	at = min(max(at, 0), len(src))
	lineStart := goLineStart(src, at)
	indent := lineStart
	for indent < len(src) && (src[indent] == ' ' || src[indent] == '\t') {
		indent++
	}
	eol := "\n"
	if strings.Contains(src, "\r\n") {
		eol = "\r\n"
	}
	comment := fmt.Sprintf("%s// pgsafe:ignore %s %s%s", src[lineStart:indent], d.Rule.Code, ignoreReason, eol)
	insert := rules.Edit{Start: lineStart, End: lineStart, NewText: comment}
	return s.workspaceEdit(c, []fileEdit{{path: path, text: src, edits: []rules.Edit{insert}}})
}

// goLineStart returns the start of the line of src that holds the byte
// at off, or, when that line starts inside a token that spans lines (a
// raw string, a block comment), the start of the line where that token
// starts: a comment inserted there is Go code, not part of the token.
func goLineStart(src string, off int) int {
	lineStart := strings.LastIndexByte(src[:off], '\n') + 1
	type span struct{ start, end int }
	var long []span // the tokens that span lines
	var sc scanner.Scanner
	fset := token.NewFileSet()
	sc.Init(fset.AddFile("", -1, len(src)), []byte(src), func(token.Position, string) {}, scanner.ScanComments)
	for {
		pos, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		start := int(pos) - 1
		if start >= off {
			break
		}
		if (tok != token.STRING && tok != token.COMMENT) || !strings.Contains(lit, "\n") {
			continue
		}
		// The scanner drops the carriage returns of raw strings from
		// lit: the token ends where its closing delimiter is in src.
		closing := "`"
		if tok == token.COMMENT {
			closing = "*/"
		}
		if n := strings.Index(src[start+len(closing):], closing); n >= 0 {
			long = append(long, span{start, start + len(closing) + n + len(closing)})
		}
	}
	for i := len(long) - 1; i >= 0; i-- {
		if long[i].start < lineStart && lineStart < long[i].end {
			lineStart = strings.LastIndexByte(src[:long[i].start], '\n') + 1
		}
	}
	return lineStart
}
