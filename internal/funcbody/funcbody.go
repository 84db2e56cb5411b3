// Package funcbody finds the SQL inside a CREATE FUNCTION or CREATE
// PROCEDURE statement: the statements of a SQL-standard body (BEGIN ATOMIC
// or RETURN), of a LANGUAGE sql string body, and the queries and
// expressions of a PL/pgSQL body, with where each lies in the file.
package funcbody

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Query is one statement or expression of a function body.
type Query struct {
	// Node is the statement's parse tree. A PL/pgSQL expression (an IF
	// condition, the right side of an assignment) is parsed as SELECT expr.
	Node *pg.Node
	// Offset turns the locations in Node into byte offsets of the file:
	// offset = Offset + location. It is valid only when Exact.
	Offset int
	// Exact reports that Offset maps Node's locations exactly: the body is
	// dollar-quoted (or quoted without escapes) or SQL-standard, and for
	// PL/pgSQL the query was found in the body's text.
	Exact bool
	// Span is where the query lies in the file. For an inexact PL/pgSQL
	// query it is the line the query starts on; a SQL-standard body's
	// statement runs to the end of the CREATE statement.
	Span sqlparse.Span
	// Expression reports a PL/pgSQL expression, parsed as SELECT expr.
	Expression bool
}

// Body is what a function's body holds.
type Body struct {
	// Language is the lower-case language name: "sql", "plpgsql", "c"...
	Language string
	// Atomic reports a SQL-standard body, which PostgreSQL parses and
	// binds to the objects it names at creation, as it does a view.
	Atomic bool
	// Text is the string of AS '...', "" for a SQL-standard body.
	Text string
	// Queries are the body's statements and expressions, in order.
	Queries []Query
	// Err is set when the body does not parse; Queries is then empty.
	Err error
}

// Of returns the body of fn. stmt is the statement's source text and base
// the byte offset of stmt in its file; fn's locations are offsets of the
// file. The text is needed to place a string body and to parse PL/pgSQL;
// with stmt empty, string bodies still parse but Exact is false.
func Of(fn *pg.CreateFunctionStmt, stmt string, base int) *Body {
	b := &Body{Language: language(fn)}
	if body := fn.GetSqlBody(); body != nil {
		b.Atomic = true
		for _, n := range atomicStatements(body) {
			b.Queries = append(b.Queries, Query{Node: n, Exact: true, Span: sqlparse.Span{Start: location(n), End: base + len(stmt)}})
		}
		return b
	}
	for _, opt := range fn.GetOptions() {
		if d := opt.GetDefElem(); d.GetDefname() == "as" {
			if parts := pgast.Strings(d.GetArg().GetList().GetItems()); len(parts) == 1 {
				b.Text = parts[0]
			}
		}
	}
	if b.Text == "" {
		return b
	}
	start, exact := bodyStart(stmt, b.Text)
	origin := base + start
	switch b.Language {
	case "sql":
		b.sqlQueries(origin, exact)
	case "plpgsql":
		b.plpgsqlQueries(stmt, origin, exact)
	default:
	}
	return b
}

// language returns the function's LANGUAGE, "sql" for a SQL-standard body.
func language(fn *pg.CreateFunctionStmt) string {
	for _, opt := range fn.GetOptions() {
		if d := opt.GetDefElem(); d.GetDefname() == "language" {
			return strings.ToLower(d.GetArg().GetString_().GetSval())
		}
	}
	if fn.GetSqlBody() != nil {
		return "sql"
	}
	return ""
}

// atomicStatements flattens a SQL-standard body: a RETURN statement, or
// the list of statements between BEGIN ATOMIC and END.
func atomicStatements(body *pg.Node) []*pg.Node {
	if l := body.GetList(); l != nil {
		var out []*pg.Node
		for _, item := range l.GetItems() {
			out = append(out, atomicStatements(item)...)
		}
		return out
	}
	return []*pg.Node{body}
}

// location returns the first location found in a statement's tree, for
// placing a SQL-standard body's statements; -1 when there is none.
func location(n *pg.Node) int {
	loc := int32(-1)
	pgast.Walk(n, func(x *pg.Node) bool {
		if loc < 0 {
			loc = pgast.Location(x)
		}
		return loc < 0
	})
	return int(loc)
}

// bodyStart finds the string constant holding body in the statement text
// and returns the offset of the body's first byte, and whether the body's
// bytes are the constant's bytes (a dollar-quoted string, or a quoted one
// without escapes).
func bodyStart(stmt, body string) (int, bool) {
	if stmt == "" {
		return 0, false
	}
	res, err := pg.Scan(stmt)
	if err != nil {
		return 0, false
	}
	for _, t := range res.GetTokens() {
		if t.GetToken() != pg.Token_SCONST {
			continue
		}
		text := stmt[t.GetStart():t.GetEnd()]
		switch {
		case strings.HasPrefix(text, "$"):
			end := strings.IndexByte(text[1:], '$') + 2
			if end >= 2 && len(text) >= 2*end && text[end:len(text)-end] == body {
				return int(t.GetStart()) + end, true
			}
		case strings.HasPrefix(text, "'") && len(text) >= 2 && text[1:len(text)-1] == body:
			return int(t.GetStart()) + 1, true
		default:
		}
	}
	return 0, false
}

// sqlQueries parses a LANGUAGE sql string body.
func (b *Body) sqlQueries(origin int, exact bool) {
	res := sqlparse.Parse(b.Text)
	if res.Err != nil {
		b.Err = res.Err
		return
	}
	for _, st := range res.Statements {
		b.Queries = append(b.Queries, Query{Node: st.Node, Offset: origin, Exact: exact, Span: sqlparse.Span{Start: origin + st.Span.Start, End: origin + st.Span.End}})
	}
}

// plExpr is a query or expression that the PL/pgSQL parser found.
type plExpr struct {
	query  string
	mode   int  // the RawParseMode the query is parsed with
	line   int  // the line of the body its statement starts on, from 1
	header bool // the statement is PERFORM, whose query starts with SELECT in place of PERFORM
}

// The RawParseMode values that PL/pgSQL expressions carry.
const (
	modeDefault = 0 // a whole SQL statement
	modeExpr    = 2 // an expression
	modeAssign1 = 3 // "var := expr"
	modeAssign3 = 5 // "var.field[i] := expr"
)

// plpgsqlQueries parses a PL/pgSQL body with the PL/pgSQL parser and then
// each query and expression it holds.
func (b *Body) plpgsqlQueries(stmt string, origin int, exact bool) {
	if stmt == "" {
		b.Err = fmt.Errorf("no statement text to parse the PL/pgSQL body from")
		return
	}
	raw, err := pg.ParsePlPgSqlToJSON(stmt)
	if err != nil {
		b.Err = err
		return
	}
	var tree any
	if err := json.Unmarshal([]byte(raw), &tree); err != nil {
		b.Err = err
		return
	}
	var exprs []plExpr
	collect(tree, 1, false, &exprs)
	sort.SliceStable(exprs, func(i, j int) bool { return exprs[i].line < exprs[j].line })
	for _, e := range exprs {
		text, expression := e.query, false
		switch {
		case e.mode == modeDefault:
		case e.mode == modeExpr:
			text, expression = "SELECT "+e.query, true
		case e.mode >= modeAssign1 && e.mode <= modeAssign3:
			_, rhs, ok := strings.Cut(e.query, ":=")
			if !ok {
				_, rhs, _ = strings.Cut(e.query, "=")
			}
			text, expression = "SELECT "+rhs, true
		default:
			continue
		}
		res := sqlparse.Parse(text)
		if res.Err != nil || len(res.Statements) != 1 {
			continue
		}
		start := lineStart(b.Text, e.line)
		end := start + strings.IndexByte(b.Text[start:]+"\n", '\n')
		q := Query{Node: res.Statements[0].Node, Expression: expression, Span: sqlparse.Span{Start: origin + start, End: origin + end}}
		if exact && !expression {
			if at, ok := find(b.Text, start, e.query, e.header); ok {
				q.Offset, q.Exact = origin+at, true
				q.Span = sqlparse.Span{Start: origin + at, End: origin + at + len(e.query)}
				if e.header {
					q.Span.Start-- // the PERFORM keyword, one byte longer than SELECT
				}
			}
		}
		b.Queries = append(b.Queries, q)
	}
}

// collect walks the PL/pgSQL parser's JSON and appends every
// PLpgSQL_expr, with the line of the statement it belongs to.
func collect(v any, line int, perform bool, out *[]plExpr) {
	switch x := v.(type) {
	case map[string]any:
		if n, ok := x["lineno"].(float64); ok {
			line = int(n)
		}
		if e, ok := x["PLpgSQL_expr"].(map[string]any); ok {
			q, _ := e["query"].(string)
			mode, _ := e["parseMode"].(float64)
			*out = append(*out, plExpr{query: q, mode: int(mode), line: line, header: perform})
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			if k != "datums" { // declarations: their defaults are placed nowhere
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			collect(x[k], line, perform || k == "PLpgSQL_stmt_perform", out)
		}
	case []any:
		for _, child := range x {
			collect(child, line, perform, out)
		}
	default:
	}
}

// lineStart returns the offset in text of the first non-blank byte of
// line n (from 1), or of the line's end when it is blank.
func lineStart(text string, n int) int {
	off := 0
	for i := 1; i < n; i++ {
		j := strings.IndexByte(text[off:], '\n')
		if j < 0 {
			return off
		}
		off += j + 1
	}
	for off < len(text) && (text[off] == ' ' || text[off] == '\t') {
		off++
	}
	return off
}

// find places a PL/pgSQL query in the body, from offset from on, and
// returns the offset of the body that the query's byte 0 stands for. The
// parser hands over the query with an INTO clause blanked out, byte for
// byte, so a space of the query matches any byte; a PERFORM statement's
// query starts with SELECT where the body says PERFORM.
func find(body string, from int, q string, perform bool) (int, bool) {
	skip := 0
	if perform {
		if !strings.HasPrefix(q, "SELECT") {
			return 0, false
		}
		skip = len("SELECT")
	}
	rest := q[skip:]
	if strings.TrimSpace(rest) == "" {
		return 0, false
	}
	for p := from; p+len(rest) <= len(body); p++ {
		if p >= skip && overlays(body[p:p+len(rest)], rest) {
			return p - skip, true
		}
	}
	return 0, false
}

// overlays reports whether q matches text byte for byte, where a space of
// q matches anything.
func overlays(text, q string) bool {
	for i := 0; i < len(q); i++ {
		if q[i] != ' ' && text[i] != q[i] {
			return false
		}
	}
	return true
}
