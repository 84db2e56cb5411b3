// Package sqlparse parses SQL text with the PostgreSQL parser (pg_query) and
// turns its output into statements with normalised byte spans, comments and
// syntax errors placed at byte offsets.
//
// Every other package works with the values produced here; no other package
// reads pg_query's StmtLocation, StmtLen or Cursorpos.
package sqlparse

import (
	"errors"
	"strings"
	"unicode/utf8"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"
)

// Span is a half-open byte range [Start, End) in a file's text.
type Span struct {
	Start int // first byte, inclusive
	End   int // one past the last byte
}

// Len returns the number of bytes the span covers.
func (s Span) Len() int { return s.End - s.Start }

// Contains reports whether the byte offset off lies inside the span.
func (s Span) Contains(off int) bool { return off >= s.Start && off < s.End }

// Comment is a comment of the source, found as pg_query's scanner finds
// them (see lex.go).
type Comment struct {
	Span
	Text  string // the comment including its delimiters ("--" or "/* */")
	Block bool   // true for /* */ comments
}

// Body returns the comment text without its delimiters, trimmed of spaces.
func (c Comment) Body() string {
	t := c.Text
	if c.Block {
		t = strings.TrimSuffix(strings.TrimPrefix(t, "/*"), "*/")
	} else {
		t = strings.TrimPrefix(t, "--")
	}
	return strings.TrimSpace(t)
}

// Plain returns Body, and for a block comment also without the " * "
// that starts each line of a decorated one, its lines trimmed: the text
// that pgsafe's comment directives (pgsafe:ignore, pgsafe:contract) are
// read from.
func (c Comment) Plain() string {
	body := c.Body()
	if !c.Block {
		return body
	}
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "*"))
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// Statement is one top-level SQL statement.
type Statement struct {
	Index int // position in the file, from 0
	// Span runs from the statement's first token to its last token. It
	// excludes leading comments and whitespace and the terminating semicolon.
	Span Span
	// Extent runs from just after the semicolon before the statement (the
	// last one, when empty statements such as ";;" come between) through
	// this statement's semicolon, or to the end of the text when there is
	// none. Leading comments belong to the extent; comments after the last
	// semicolon of the text belong to no statement.
	Extent Span
	// HasSemicolon reports whether the statement is terminated by ';'.
	HasSemicolon bool
	// Node is the parse tree of the statement.
	Node *pg.Node
}

// Text returns the statement's source text within text.
func (s *Statement) Text(text string) string { return text[s.Span.Start:s.Span.End] }

// SyntaxError is a parse failure placed at a byte offset of the text.
type SyntaxError struct {
	Offset  int    // byte offset of the error in the text
	Message string // PostgreSQL's message, e.g. `syntax error at or near "x"`
	Hint    string // extra advice, empty when there is none
}

// Error implements error.
func (e *SyntaxError) Error() string { return e.Message }

// Result holds the statements and comments of a text, or the syntax error
// that stopped its parse.
type Result struct {
	Statements []*Statement
	Comments   []Comment
	Err        *SyntaxError // nil when the whole text parsed
}

// Parse parses text as a sequence of SQL statements.
//
// pg_query reports a statement's StmtLocation from just after the previous
// semicolon (so it includes leading comments and whitespace), its StmtLen up
// to but excluding the semicolon, and StmtLen 0 for a last statement that runs
// to the end of the text. Parse normalises those into Span and Extent,
// skipping the whitespace and comments at either end.
//
// A UTF-8 byte order mark at the start of the text is read as whitespace,
// as psql reads it. A statement whose parse tree the lexer estimates to be
// deeper than MaxDepth is not handed to pg_query at all: the text fails
// with a syntax error at that statement (see depth.go).
func Parse(text string) *Result { return parse(text, MaxDepth) }

// parse is Parse with the deepest statement it lets through.
func parse(text string, limit int) *Result {
	res := &Result{}
	text = skipBOM(text)
	cs, over := prescan(text, limit)
	if over >= 0 {
		res.Err = deepError(over)
		return res
	}
	tree, err := pg.Parse(text)
	if err != nil {
		res.Err = syntaxError(text, err)
		return res
	}
	res.Comments = cs
	res.Statements = statements(text, tree.GetStmts(), res.Comments)
	return res
}

// Valid reports whether text parses, as Parse would find, without
// building the parse trees: PostgreSQL's parser runs, but no tree is
// packed into protobuf and decoded, which is most of Parse's cost.
// Like Parse, it refuses a statement too deep for pg_query's stack
// before the parser sees it.
func Valid(text string) bool {
	text = skipBOM(text)
	if _, over := prescan(text, MaxDepth); over >= 0 {
		return false
	}
	_, err := pg.SplitWithParser(text, false)
	return err == nil
}

// skipBOM returns text with a leading byte order mark replaced by as many
// spaces, so that byte offsets stay those of text.
func skipBOM(text string) string {
	if strings.HasPrefix(text, BOM) {
		return strings.Repeat(" ", len(BOM)) + text[len(BOM):]
	}
	return text
}

// prescan lexes text once, for its comments and for the depth of each of its
// statements: over is the byte offset where the first statement deeper
// than limit (or the deepest part of it) starts, and -1 when there is
// none. Comments are nil when the text ends inside a literal or comment,
// which a text that parses cannot.
func prescan(text string, limit int) (cs []Comment, over int) {
	m := newDepthMeter(text, limit)
	ok := lex(text, func(k tokenKind, start, end int) {
		if k == tokComment || k == tokBlock {
			cs = append(cs, Comment{Span: Span{start, end}, Text: text[start:end], Block: k == tokBlock})
		}
		m.token(k, start, end)
	})
	m.endStatement()
	if !ok {
		cs = nil
	}
	return cs, m.over
}

// statements builds normalised statements from pg_query's raw statements
// and the text's comments: a statement's span runs from its first to its
// last byte that is neither whitespace nor part of a comment.
func statements(text string, raw []*pg.RawStmt, comments []Comment) []*Statement {
	out := make([]*Statement, 0, len(raw))
	ci := 0 // index of the first comment not before the statement
	for i, rs := range raw {
		loc := int(rs.GetStmtLocation())
		end := len(text)
		if rs.GetStmtLen() > 0 {
			end = loc + int(rs.GetStmtLen())
		}
		for ci < len(comments) && comments[ci].Start < loc {
			ci++
		}
		inside := ci // the statement's comments are comments[ci:inside]
		for inside < len(comments) && comments[inside].Start < end {
			inside++
		}
		first, k := loc, ci
		for {
			for first < end && isSpace(text[first]) {
				first++
			}
			if k < inside && comments[k].Start == first {
				first = comments[k].End
				k++
				continue
			}
			break
		}
		last, k := end, inside-1
		for last > first {
			for last > first && isSpace(text[last-1]) {
				last--
			}
			if k >= ci && comments[k].End == last {
				last = comments[k].Start
				k--
				continue
			}
			break
		}
		st := &Statement{Index: i, Node: rs.GetStmt(), Extent: Span{loc, end}, Span: Span{first, last}}
		if end < len(text) && text[end] == ';' {
			st.HasSemicolon = true
			st.Extent.End = end + 1
		}
		ci = inside
		out = append(out, st)
	}
	return out
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v'
}

// syntaxError converts a pg_query error into a SyntaxError. pg_query's
// Cursorpos is a 1-based count of characters, not bytes; it is 0 for the
// errors that the grammar raises without a position, which are placed by
// unplacedError.
func syntaxError(text string, err error) *SyntaxError {
	se := &SyntaxError{Message: err.Error()}
	if strings.Contains(se.Message, "exceeded maximum recursion depth") {
		// Go's protobuf decoder refuses a tree nested more than 10,000
		// messages deep: the statement parsed, but its tree cannot be read.
		se.Message = "expression nested too deeply for pgsafe to read its parse tree (" + se.Message + ")"
		se.Hint = tooDeepHint
	}
	if off, ok := errorOffset(text, err); ok {
		se.Offset = off
	} else {
		se.Offset = unplacedError(text)
	}
	if strings.Contains(text, "{{") && strings.Contains(text, "}}") {
		se.Hint = "the file holds Go-template placeholders ({{ ... }}); it is a template rendered before it runs, so lint the rendered SQL instead"
	}
	return se
}

// errorOffset returns the byte offset in text of a pg_query error, and
// false when the error carries no position.
func errorOffset(text string, err error) (int, bool) {
	var pe *pgparser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 {
		return CharToByte(text, int(pe.Cursorpos)-1), true
	}
	return 0, false
}

// unplacedError returns the offset of the first token of the first
// statement of text that fails to parse, for an error that PostgreSQL
// reported without a position. The text is cut after each ';' token and
// parsed piece by piece; a piece that fails only at its end (a ';' inside
// CREATE RULE actions or a BEGIN ATOMIC body) grows to the next ';'. The
// pieces together parse the text once, so the cost stays linear. When
// a failing piece's error has a position, that position is returned.
func unplacedError(text string) int {
	scan, err := pg.Scan(text)
	if err != nil {
		return 0
	}
	toks := scan.GetTokens()
	firstToken := func(from int) int {
		for _, t := range toks {
			if int(t.GetStart()) >= from && !isComment(t) && t.GetToken() != pg.Token_ASCII_59 {
				return int(t.GetStart())
			}
		}
		return from
	}
	start := 0
	for _, t := range toks {
		if t.GetToken() != pg.Token_ASCII_59 {
			continue
		}
		end := int(t.GetEnd())
		piece := text[start:end]
		if _, over := prescan(piece, MaxDepth); over >= 0 {
			return start + over
		}
		_, err := pg.Parse(piece)
		if err == nil {
			start = end
			continue
		}
		if off, ok := errorOffset(piece, err); ok {
			if off >= len(piece) {
				continue // cut inside the statement: take in the next piece too
			}
			return start + off
		}
		return firstToken(start)
	}
	if _, over := prescan(text[start:], MaxDepth); over >= 0 {
		return start + over
	}
	if _, err := pg.Parse(text[start:]); err != nil {
		if off, ok := errorOffset(text[start:], err); ok {
			return start + off
		}
	}
	return firstToken(start)
}

// CharToByte returns the byte offset of the n-th character (0-based) of
// text, or len(text) when text has fewer characters.
func CharToByte(text string, n int) int {
	if n <= 0 {
		return 0
	}
	for off := range text {
		if n == 0 {
			return off
		}
		n--
	}
	return len(text)
}

// ValidUTF8 reports whether text is valid UTF-8 without NUL bytes, the
// condition for PostgreSQL to accept it as SQL.
func ValidUTF8(text []byte) bool {
	return utf8.Valid(text) && !strings.ContainsRune(string(text), 0)
}

func isComment(t *pg.ScanToken) bool {
	return t.GetToken() == pg.Token_SQL_COMMENT || t.GetToken() == pg.Token_C_COMMENT
}
