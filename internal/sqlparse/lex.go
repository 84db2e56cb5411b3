package sqlparse

// This file finds the comments of a text that has parsed, without
// pg_query's scanner: the parser has already accepted the text, so only
// the lexical rules that decide where a comment can start matter —
// string literals ('...', E'...' with backslash escapes, dollar quotes),
// quoted identifiers, and identifiers that contain '$'. Every file of the
// corpus gives the same comments as pg_query's scanner (a test checks).

// comments returns the comments of text, which must have parsed, in
// order; ok is false when the text ends inside a literal or comment,
// which a parsed text cannot.
func comments(text string) ([]Comment, bool) {
	out, _, ok := lex(text, nil)
	return out, ok
}

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
	lex(text, func(start, end int) { out = append(out, Word{Span{start, end}, text[start:end]}) })
	return out
}

// Semicolons returns the number of semicolons of text outside comments,
// literals and quoted identifiers: one per statement, except that a
// statement with a body of statements (CREATE RULE with several actions,
// a BEGIN ATOMIC function body) holds some of its own.
func Semicolons(text string) int {
	_, n, _ := lex(text, nil)
	return n
}

// lex finds the comments of text and counts its semicolons, and hands
// each unquoted word to word when it is not nil; ok is false when the
// text ends inside a literal or comment.
func lex(text string, word func(start, end int)) (out []Comment, semicolons int, ok bool) {
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		switch {
		case c == '-' && i+1 < n && text[i+1] == '-':
			j := i + 2
			for j < n && text[j] != '\n' && text[j] != '\r' {
				j++
			}
			out = append(out, Comment{Span: Span{i, j}, Text: text[i:j]})
			i = j
		case c == '/' && i+1 < n && text[i+1] == '*':
			j, closed := blockCommentEnd(text, i)
			if !closed {
				return nil, semicolons, false
			}
			out = append(out, Comment{Span: Span{i, j}, Text: text[i:j], Block: true})
			i = j
		case c == '\'':
			j, closed := quotedEnd(text, i, '\'', false)
			if !closed {
				return nil, semicolons, false
			}
			i = j
		case c == '"':
			j, closed := quotedEnd(text, i, '"', false)
			if !closed {
				return nil, semicolons, false
			}
			i = j
		case c == '$':
			j, closed := dollarQuotedEnd(text, i)
			if !closed {
				return nil, semicolons, false
			}
			i = j
		case c == ';':
			semicolons++
			i++
		case identStart(c):
			j := i + 1
			for j < n && identCont(text[j]) {
				j++
			}
			if j < n && text[j] == '\'' && j == i+1 && (c == 'e' || c == 'E') {
				k, closed := quotedEnd(text, j, '\'', true)
				if !closed {
					return nil, semicolons, false
				}
				i = k
				continue
			}
			if word != nil {
				word(i, j)
			}
			i = j
		default:
			i++
		}
	}
	return out, semicolons, true
}

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
