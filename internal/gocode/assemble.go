package gocode

import (
	"go/ast"
	"go/constant"
	"go/types"
	"path/filepath"
	"strconv"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// This file lays out the SQL of a concatenation that holds the text of a
// constant or variable, such as "SELECT " + clientColumns + " FROM
// clients": the text lies elsewhere (in another line, or another file of
// the package), so the query's SQL cannot be its literals in place.
// Instead the whole SQL, put together, is written over the Go source span
// of the concatenation (see assemble). Positions in it are then near,
// not at, the Go bytes they come from, and a fix cannot edit it in place.

// nameText returns the value of an operand of a concatenation that is no
// literal: a constant's text (go/types knows it, wherever the constant is
// declared in the package), else a variable's SQL, followed as a whole
// query's is (see resolve), put on one line. It fails for what is not
// known (a parameter, a call, a variable that may have changed).
func (x *extractor) nameText(e ast.Expr, depth int) (value, bool) {
	at := -1
	if x.pkgFile(e.Pos()) == x.tf {
		at = x.offset(e.Pos())
	}
	if at < 0 {
		return value{}, false
	}
	if tv, ok := x.p.info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		text := oneLine([]byte(constant.StringVal(tv.Value)))
		return value{parts: []part{{start: -1, text: text, close: -1, at: at}}, names: x.nameOf(e)}, true
	}
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return value{}, false
	}
	v, ok := x.resolve(id, true, depth+1)
	if !ok || v.partial {
		// Not known, or only where it starts: it stays an unknown
		// part, in place.
		return value{}, false
	}
	var text []byte
	for _, p := range v.parts {
		text = append(text, p.text...)
	}
	names := append(x.nameOf(id), v.names...)
	return value{parts: []part{{start: -1, text: oneLine(text), close: -1, at: at}}, partial: v.partial, names: names}, true
}

// nameOf returns e, when it names a constant or variable, as "name
// (file.go:line)" with the place of its declaration.
func (x *extractor) nameOf(e ast.Expr) []string {
	var id *ast.Ident
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		id = e
	case *ast.SelectorExpr:
		id = e.Sel
	default:
		return nil
	}
	obj := x.p.info.Uses[id]
	switch obj.(type) {
	case *types.Const, *types.Var:
	default:
		return nil
	}
	pos := x.p.fset.Position(obj.Pos())
	return []string{id.Name + " (" + filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line) + ")"}
}

// oneLine returns SQL text without line breaks, so that it can be laid
// out anywhere in a line: a -- comment (which would run on over the rest)
// blanked to its end, and each line break a space.
func oneLine(text []byte) []byte {
	out := append([]byte(nil), text...)
	state := inCode
	for i := range out {
		prev := state
		state = nextSQLState(state, string(text), i)
		if (prev == inLineComment || state == inLineComment) && text[i] != '\n' {
			out[i] = ' '
		}
		if out[i] == '\n' || out[i] == '\r' {
			out[i] = ' '
		}
	}
	return out
}

// chunks splits SQL text, on one line, into the runs between its spaces
// outside quotes and comments: the units that assemble keeps on one line.
func chunks(text []byte) [][]byte {
	var out [][]byte
	state := inCode
	begin := -1
	for i, c := range text {
		before := state
		state = nextSQLState(state, string(text), i)
		if c == ' ' || c == '\t' {
			if before == inCode && state == inCode {
				if begin >= 0 {
					out = append(out, text[begin:i])
					begin = -1
				}
				continue
			}
		}
		if begin < 0 {
			begin = i
		}
	}
	if begin >= 0 {
		out = append(out, text[begin:])
	}
	return out
}

// assembled is where the SQL of a concatenation was laid out.
type assembled struct {
	start, end int
	text       string
}

// assemble writes the SQL of v, a concatenation that holds the text of
// a name, into the file's SQL, starting at the first byte of the
// concatenation's Go source (v.region): its parts put together, on as
// many lines as it takes, a line break only between words (outside
// quotes and comments), over bytes that no other query holds; then a
// ';'. It returns the span of the SQL written, and false when the SQL
// does not fit before another query's span or the end of the file.
// used marks the bytes that queries hold, and is updated.
func (x *extractor) assemble(v value, used []bool) (start, end int, ok bool) {
	var text []byte
	for _, p := range v.parts {
		text = append(text, oneLine(p.text)...)
	}
	key := v.region[0]
	if a, done := x.assembled[key]; done {
		return a.start, a.end, a.text == string(text)
	}
	sql := x.sql
	free := func(i int) bool { return i < len(sql) && !used[i] }
	type placed struct{ at, n int }
	var out []placed
	pos := v.region[0]
	for _, c := range chunks(text) {
		if len(out) > 0 && !free(pos-1) {
			return 0, 0, false // the space between two words
		}
		for {
			fits := true
			for i := pos; i < pos+len(c); i++ {
				if !free(i) {
					return 0, 0, false
				}
				if sql[i] == '\n' {
					pos, fits = i+1, false
					break
				}
			}
			if fits {
				break
			}
		}
		out = append(out, placed{pos, len(c)})
		pos += len(c) + 1
	}
	if len(out) == 0 {
		return 0, 0, false
	}
	last := out[len(out)-1]
	semi := last.at + last.n
	for free(semi) && sql[semi] == '\n' {
		semi++
	}
	if !free(semi) {
		return 0, 0, false
	}
	// The span starts at the concatenation, also when its first word
	// goes on the next line.
	start, end = v.region[0], last.at+last.n
	for i := start; i < end; i++ {
		if sql[i] != '\n' {
			sql[i] = ' '
		}
	}
	k := 0
	for _, c := range chunks(text) {
		copy(sql[out[k].at:], c)
		k++
	}
	sql[semi] = ';'
	for i := start; i <= semi; i++ {
		used[i] = true
	}
	x.assembled[key] = assembled{start, end, string(text)}
	return start, end, true
}

// pendingQuery is a query whose SQL holds the text of a name, laid out
// once the file's other queries are in place (see layoutPending).
type pendingQuery struct {
	v    value
	call string
	read *Read
	stmt sqlparse.Span // the Go statement that sends it
}

// layoutPending lays out the SQL of the pending queries (see assemble)
// over the bytes that the file's other queries leave. A query whose SQL
// does not fit is put in place as before names had a text: each name an
// unknown part (see standIn), the query Partial.
func (x *extractor) layoutPending() {
	if len(x.pending) == 0 {
		return
	}
	used := make([]bool, len(x.sql))
	for _, q := range x.queries {
		for i := q.Start; i <= q.End && i < len(used); i++ {
			used[i] = true
		}
	}
	for _, pq := range x.pending {
		if start, end, ok := x.assemble(pq.v, used); ok {
			x.queries = append(x.queries, Query{
				Start: start, End: end, Call: pq.call, Partial: pq.v.partial, Read: pq.read, Names: pq.v.names, Stmt: pq.stmt,
			})
			continue
		}
		v := pq.v
		for i, p := range v.parts {
			if p.start < 0 {
				v.parts[i] = part{start: p.at, text: []byte("_"), close: -1}
				v.partial = true
			}
		}
		if overlaps(v, used) {
			continue // its place holds another query's SQL: left unchecked
		}
		x.addInPlace(v, pq.call, pq.read, pq.stmt)
		q := x.queries[len(x.queries)-1]
		for i := q.Start; i <= q.End && i < len(used); i++ {
			used[i] = true
		}
	}
	x.pending = nil
}

// overlaps reports whether a part of v, in place, lies on a byte that
// used marks.
func overlaps(v value, used []bool) bool {
	for _, p := range v.parts {
		for i := p.start; i < p.start+len(p.text) && i < len(used); i++ {
			if used[i] {
				return true
			}
		}
	}
	return false
}
