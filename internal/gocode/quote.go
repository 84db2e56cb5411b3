package gocode

import (
	"errors"
	"strconv"
	"strings"
)

// ErrParts is returned by Quote for a query whose SQL is not one string
// literal in place, which a fix cannot edit.
var ErrParts = errors.New("the SQL is built from several parts")

// ErrUnknown is returned by Quote for a query whose SQL is partly
// unknown (Partial): fmt.Sprintf, values that are not constant, or
// escapes other than whitespace in its literal.
var ErrUnknown = errors.New("parts of the SQL are not known here (fmt.Sprintf, other values, or escapes such as \\\" in the literal)")

// Quote returns sql as it must be written inside the query's string
// literal, so that the literal's value holds sql: in an interpreted
// string, with Go's escapes (a '"' becomes \", a '\' \\); in a raw string,
// as it is. It fails with ErrParts when the query is not one literal in
// place (Literal), with ErrUnknown when it is not and parts of it are
// unknown, and when a raw string cannot hold sql (a backquote).
func (q Query) Quote(sql string) (string, error) {
	switch {
	case !q.Literal && q.Partial:
		return "", ErrUnknown
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
