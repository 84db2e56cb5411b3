package sqlparse

// This file is a small lexer in Go: it finds the comments of a text
// without pg_query's scanner, its unquoted words and its semicolons, and
// it estimates how deep the parse tree of each statement will be before
// pg_query sees the text (see depth.go). Only the lexical rules that
// decide where a comment, literal or token starts and ends matter: string
// literals ('...', E'...' with backslash escapes, dollar quotes), quoted
// identifiers, identifiers that contain '$', numbers and operators. Every
// file of the corpus gives the same comments as pg_query's scanner (a
// test checks).

// tokenKind is the kind of a token of the lexer.
type tokenKind uint8

// The token kinds.
const (
	tokWord    tokenKind = iota // an unquoted identifier or keyword
	tokLiteral                  // a string, quoted identifier, number or parameter
	tokOp                       // an operator, or :: (a cast)
	tokPunct                    // one byte: ( ) [ ] , ; : . or another
	tokComment                  // a -- comment
	tokBlock                    // a /* */ comment
)

// Word is an unquoted identifier or keyword of a text.
type Word struct {
	Span
	Text string // as written
}

// Words returns the unquoted identifiers and keywords of text, in order:
// what lies outside comments, literals and quoted identifiers and looks
// like a name. Keywords are found among them by comparing without case.
func Words(text string) []Word {
	var out []Word
	lex(text, func(k tokenKind, start, end int) {
		if k == tokWord {
			out = append(out, Word{Span{start, end}, text[start:end]})
		}
	})
	return out
}

// Semicolons returns the number of semicolons of text outside comments,
// literals and quoted identifiers: one per statement, except that a
// statement with a body of statements (CREATE RULE with several actions,
// a BEGIN ATOMIC function body) holds some of its own.
func Semicolons(text string) int {
	n := 0
	lex(text, func(k tokenKind, start, _ int) {
		if k == tokPunct && text[start] == ';' {
			n++
		}
	})
	return n
}

// lex hands each token of text to emit, in order, and returns false when
// the text ends inside a literal or comment; the tokens up to there have
// been handed over.
func lex(text string, emit func(k tokenKind, start, end int)) bool {
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < n && text[i+1] == '-':
			j := i + 2
			for j < n && text[j] != '\n' && text[j] != '\r' {
				j++
			}
			emit(tokComment, i, j)
			i = j
		case c == '/' && i+1 < n && text[i+1] == '*':
			j, closed := blockCommentEnd(text, i)
			if !closed {
				return false
			}
			emit(tokBlock, i, j)
			i = j
		case c == '\'' || c == '"':
			j, closed := quotedEnd(text, i, c, false)
			if !closed {
				return false
			}
			emit(tokLiteral, i, j)
			i = j
		case c == '$':
			j, closed := dollarQuotedEnd(text, i)
			if !closed {
				return false
			}
			if j == i+1 {
				// A parameter ($1) or a lone '$'.
				for j < n && isDigit(text[j]) {
					j++
				}
			}
			emit(tokLiteral, i, j)
			i = j
		case identStart(c):
			j := i + 1
			for j < n && identCont(text[j]) {
				j++
			}
			if j < n && text[j] == '\'' && j == i+1 && (c == 'e' || c == 'E') {
				k, closed := quotedEnd(text, j, '\'', true)
				if !closed {
					return false
				}
				emit(tokLiteral, i, k)
				i = k
				continue
			}
			emit(tokWord, i, j)
			i = j
		case isDigit(c) || (c == '.' && i+1 < n && isDigit(text[i+1])):
			j := i + 1
			for j < n && (identCont(text[j]) || text[j] == '.') {
				j++
			}
			emit(tokLiteral, i, j)
			i = j
		case c == ':' && i+1 < n && text[i+1] == ':':
			emit(tokOp, i, i+2)
			i += 2
		case isOpChar(c):
			i = operators(text, i, emit)
		default:
			emit(tokPunct, i, i+1)
			i++
		}
	}
	return true
}

// operators hands the operators of the run of operator characters at i
// to emit, split the way PostgreSQL's scanner splits them, and returns
// the offset after the run. A run stops where a comment starts; a
// multi-character operator cannot end in + or - unless it holds one of
// ~ ! @ # ^ & | ` ? %, so "-+-1" is three operators.
func operators(text string, i int, emit func(k tokenKind, start, end int)) int {
	j := i
	for j < len(text) && isOpChar(text[j]) {
		if j > i && (text[j] == '-' && text[j-1] == '-' || text[j] == '*' && text[j-1] == '/') {
			j-- // a comment starts at j-1
			break
		}
		j++
	}
	end := j
	if j-i > 1 && (text[j-1] == '+' || text[j-1] == '-') && !hasNonSQLOpChar(text[i:j-1]) {
		// The operator stops before the trailing + and - characters,
		// each of which is an operator of its own.
		for end-i > 1 && (text[end-1] == '+' || text[end-1] == '-') {
			end--
		}
	}
	emit(tokOp, i, end)
	for k := end; k < j; k++ {
		emit(tokOp, k, k+1)
	}
	return j
}

// isOpChar reports whether c can be part of an operator.
func isOpChar(c byte) bool {
	switch c {
	case '~', '!', '@', '#', '^', '&', '|', '`', '?', '+', '-', '*', '/', '%', '<', '>', '=':
		return true
	default:
		return false
	}
}

// hasNonSQLOpChar reports whether s holds an operator character that SQL's
// own operators do not use.
func hasNonSQLOpChar(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~', '!', '@', '#', '^', '&', '|', '`', '?', '%':
			return true
		default:
		}
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// blockCommentEnd returns the offset just after the /* */ comment that
// starts at i; comments nest.
func blockCommentEnd(text string, i int) (int, bool) {
	depth := 0
	for j := i; j+1 < len(text); {
		switch {
		case text[j] == '/' && text[j+1] == '*':
			depth++
			j += 2
		case text[j] == '*' && text[j+1] == '/':
			depth--
			j += 2
			if depth == 0 {
				return j, true
			}
		default:
			j++
		}
	}
	return len(text), false
}

// quotedEnd returns the offset just after the literal or quoted
// identifier that opens with q at i; a doubled q stands for itself, and
// with escapes a backslash escapes the next byte.
func quotedEnd(text string, i int, q byte, escapes bool) (int, bool) {
	for j := i + 1; j < len(text); j++ {
		switch text[j] {
		case '\\':
			if escapes {
				j++
			}
		case q:
			if j+1 < len(text) && text[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		default:
		}
	}
	return len(text), false
}

// dollarQuotedEnd returns the offset after a dollar-quoted string that
// starts at i, or after the lone '$' (a parameter such as $1 begins with
// one) when no dollar quote starts there.
func dollarQuotedEnd(text string, i int) (int, bool) {
	j := i + 1
	if j < len(text) && identStart(text[j]) {
		for j < len(text) && identCont(text[j]) && text[j] != '$' {
			j++
		}
	}
	if j >= len(text) || text[j] != '$' {
		return i + 1, true // a parameter or an operator, not a quote
	}
	tag := text[i : j+1]
	for k := j + 1; k+len(tag) <= len(text); k++ {
		if text[k] == '$' && text[k:k+len(tag)] == tag {
			return k + len(tag), true
		}
	}
	return len(text), false
}

// identStart reports whether c can start an identifier or keyword.
func identStart(c byte) bool {
	return c == '_' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// identCont reports whether c can continue an identifier.
func identCont(c byte) bool {
	return identStart(c) || c == '$' || (c >= '0' && c <= '9')
}
