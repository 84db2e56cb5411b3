package gocode

import (
	"go/ast"
	"go/token"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/source"
)

// extractor finds the queries of one Go file.
type extractor struct {
	fset    *token.FileSet
	tf      *token.File
	af      *ast.File
	src     source.File
	sql     []byte
	queries []Query
}

func newExtractor(fset *token.FileSet, af *ast.File, src source.File) *extractor {
	x := &extractor{fset: fset, tf: fset.File(af.Pos()), af: af, src: src}
	x.sql = blank(src.Text)
	return x
}

// blank returns text with every byte but '\n' replaced by a space.
func blank(text string) []byte {
	b := make([]byte, len(text))
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			b[i] = '\n'
		} else {
			b[i] = ' '
		}
	}
	return b
}

// sqlMethods are database/sql's query methods, with the index of their
// SQL argument.
var sqlMethods = map[string]int{
	"Query": 0, "QueryRow": 0, "Exec": 0, "Prepare": 0,
	"QueryContext": 1, "QueryRowContext": 1, "ExecContext": 1, "PrepareContext": 1,
}

func (x *extractor) run() {
	ast.Inspect(x.af, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		i, ok := sqlMethods[sel.Sel.Name]
		if !ok || i >= len(call.Args) {
			return true
		}
		lit, ok := call.Args[i].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return true
		}
		x.addLiteral(lit, "database/sql "+sel.Sel.Name)
		return true
	})
	sort.SliceStable(x.queries, func(i, j int) bool { return x.queries[i].Start < x.queries[j].Start })
}

func (x *extractor) offset(p token.Pos) int { return x.tf.Offset(p) }

func (x *extractor) addLiteral(lit *ast.BasicLit, call string) {
	start := x.offset(lit.Pos())
	text, partial := literalSQL(lit.Value)
	copy(x.sql[start+1:], text)
	x.sql[start+len(lit.Value)-1] = ';'
	x.queries = append(x.queries, Query{
		Start: start + 1, End: start + len(lit.Value) - 1, Call: call,
		Partial: partial, Literal: true, Raw: lit.Value[0] == '`',
	})
}

// literalSQL returns the text between a Go string literal's quotes,
// aligned byte for byte with the source: a raw string's bytes as they are
// (a carriage return, which Go drops from raw strings, as a space); in an
// interpreted string, each escape sequence blanked to spaces of its width.
// Whitespace escapes (\t \n \v \f \r) keep their meaning as spaces; any
// other escape loses its character, and partial is then set.
func literalSQL(lit string) (text []byte, partial bool) {
	body := lit[1 : len(lit)-1]
	text = []byte(body)
	if lit[0] == '`' {
		for i, c := range text {
			if c == '\r' {
				text[i] = ' '
			}
		}
		return text, false
	}
	for i := 0; i < len(body); i++ {
		if body[i] != '\\' || i+1 >= len(body) {
			continue
		}
		n := escapeLen(body[i+1])
		if !strings.ContainsRune("tnvfr", rune(body[i+1])) {
			partial = true
		}
		for j := i; j < i+n && j < len(body); j++ {
			text[j] = ' '
		}
		i += n - 1
	}
	return text, partial
}

// escapeLen is the length of the escape sequence that starts with '\\'
// and then c.
func escapeLen(c byte) int {
	switch {
	case c == 'x':
		return 4
	case c == 'u':
		return 6
	case c == 'U':
		return 10
	case c >= '0' && c <= '7':
		return 4
	default:
		return 2
	}
}

func (x *extractor) file() File {
	return File{Path: x.src.Path, SQL: string(x.sql), Queries: x.queries}
}
