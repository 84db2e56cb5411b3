package gocode

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrParts is returned by Quote for a query whose SQL is not one string
// literal in place, which a fix cannot edit.
var ErrParts = errors.New("the SQL is built from several parts")

// ErrUnknown is returned by Quote for a query whose SQL is partly
// unknown (Partial): fmt.Sprintf, values that are not constant, or
// escapes in its literal whose meaning is not kept in place (see
// escapeSQL).
var ErrUnknown = errors.New("parts of the SQL are not known here (fmt.Sprintf, other values, or escapes such as \\x41 in the literal)")

// Quote returns sql as it must be written inside the query's string
// literal, so that the literal's value holds sql: in an interpreted
// string, with Go's escapes (a '"' becomes \", a '\' \\); in a raw string,
// as it is. It fails with ErrParts when the query is not one literal in
// place (Literal; wrapped, naming the constants and variables whose text
// the SQL holds, for such a query), with ErrUnknown when it is not and
// parts of it are unknown, and when a raw string cannot hold sql (a
// backquote).
func (q Query) Quote(sql string) (string, error) {
	switch {
	case !q.Literal && q.Partial:
		return "", ErrUnknown
	case !q.Literal && len(q.Names) > 0:
		return "", fmt.Errorf("%w: it holds the text of %s, which a fix does not edit", ErrParts, strings.Join(q.Names, ", "))
	case !q.Literal:
		return "", ErrParts
	case q.Raw && strings.ContainsAny(sql, "`\r"):
		return "", errors.New("a raw (backquoted) string cannot hold the backquote or carriage return of the new SQL")
	case q.Raw:
		return sql, nil
	default:
		s := strconv.Quote(sql)
		return s[1 : len(s)-1], nil
	}
}

// QueryAt returns the query of qs whose SQL holds the bytes [start, end),
// and false when none does. Of two queries that share a span (one
// constant passed to two calls), the first is returned.
func QueryAt(qs []Query, start, end int) (Query, bool) {
	for _, q := range qs {
		if q.Start <= start && end <= q.End {
			return q, true
		}
	}
	return Query{}, false
}

// EditSpan returns the bytes [from, to) of the Go source src that an edit
// of the query's SQL bytes [start, end) replaces. The SQL and the source
// are aligned, so they are the same bytes, except where a boundary falls
// inside an escape sequence of an interpreted literal (the SQL of \" is
// a space and a quote, or a quote and a space): the boundary then moves to
// the edge of the escape that lies beyond only the escape's padding
// space, so that the edit replaces the whole escape and never splits it.
// It fails when neither edge does.
func (q Query) EditSpan(src string, start, end int) (from, to int, err error) {
	if q.Raw || !q.Literal || q.End > len(src) {
		return start, end, nil
	}
	escapes := escapesIn(src, q.Start, q.End)
	move := func(b int) (int, error) {
		for _, e := range escapes {
			if b <= e[0] || b >= e[1] {
				continue
			}
			if strings.TrimSpace(q.sqlOf(src, b, e[1])) == "" {
				return e[1], nil
			}
			if strings.TrimSpace(q.sqlOf(src, e[0], b)) == "" {
				return e[0], nil
			}
			return 0, errors.New("the edit splits an escape sequence of the literal")
		}
		return b, nil
	}
	if from, err = move(start); err != nil {
		return 0, 0, err
	}
	if to, err = move(end); err != nil {
		return 0, 0, err
	}
	return from, to, nil
}

// sqlOf returns the SQL that the source bytes [from, to) of the query's
// interpreted literal hold (see escapeSQL).
func (q Query) sqlOf(src string, from, to int) string {
	text, _ := escapeSQL(src[q.Start:q.End])
	return string(text[from-q.Start : to-q.Start])
}

// escapesIn returns the spans [start, end) of the escape sequences in the
// body src[from:to] of an interpreted string literal.
func escapesIn(src string, from, to int) [][2]int {
	var out [][2]int
	for i := from; i < to; i++ {
		if src[i] != '\\' || i+1 >= to {
			continue
		}
		n := escapeLen(src[i+1])
		out = append(out, [2]int{i, min(i+n, to)})
		i += n - 1
	}
	return out
}
