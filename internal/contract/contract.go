// Package contract reads the marker that makes a migration the contract
// part of an expand/contract change:
//
//	-- pgsafe:contract after <expand file>
//
// The expand file adds the new place of something (a column, a table, a
// compatibility view) and keeps it in sync; the application code then
// moves to the new place in a deploy of its own; the contract file, run in
// a later release, drops the old place. The marker says that the contract
// file's order is intended: it must not ship in the same release as its
// expand file, and lint reminds of it until it has shipped.
//
// The marker works in -- and /* */ comments and must open the comment.
// <expand file> is a path relative to the contract file's folder (the
// file's base name when both lie in one folder); words after it are a
// free note. Comments come from the scanner's tokens, so text inside
// string literals and dollar-quoted bodies never counts.
package contract

import (
	"path/filepath"
	"strings"

	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

// Directive opens a marker comment.
const Directive = "pgsafe:contract"

// Marker is one marker comment of a file.
type Marker struct {
	Comment sqlparse.Comment
	// Expand is the expand file as the marker names it; "" when the
	// marker is malformed.
	Expand string
	// Err says why the marker is malformed, "" when it is well formed.
	Err string
}

// Parse returns the marker in comment c, and false when c holds none.
func Parse(c sqlparse.Comment) (Marker, bool) {
	body := c.Plain()
	if !strings.HasPrefix(body, Directive) {
		return Marker{}, false
	}
	rest := body[len(Directive):]
	if rest != "" && rest[0] != ' ' && rest[0] != '\t' && rest[0] != '\n' {
		return Marker{}, false // e.g. pgsafe:contracts
	}
	m := Marker{Comment: c}
	words := strings.Fields(rest)
	switch {
	case len(words) == 0 || words[0] != "after":
		m.Err = "pgsafe:contract must be followed by `after <expand file>`"
	case len(words) == 1:
		m.Err = "pgsafe:contract after names no expand file"
	default:
		m.Expand = words[1]
	}
	return m, true
}

// Find returns the markers among a file's comments, in file order.
func Find(comments []sqlparse.Comment) []Marker {
	var out []Marker
	for _, c := range comments {
		if m, ok := Parse(c); ok {
			out = append(out, m)
		}
	}
	return out
}

// Of returns the marker that makes a file with these comments a contract
// file: the first well-formed one. ok is false when there is none.
func Of(comments []sqlparse.Comment) (m Marker, ok bool) {
	for _, m := range Find(comments) {
		if m.Err == "" {
			return m, true
		}
	}
	return Marker{}, false
}

// ExpandPath returns the path of the expand file that a marker of the
// contract file at path names, in the form the contract's path has: the
// marker's path taken from the contract file's folder.
func ExpandPath(path, expand string) string {
	expand = filepath.FromSlash(expand)
	if filepath.IsAbs(expand) {
		return filepath.Clean(expand)
	}
	return filepath.Join(filepath.Dir(path), expand)
}

// SamePath reports whether two paths of the set name one file: equal
// once cleaned.
func SamePath(a, b string) bool { return filepath.Clean(a) == filepath.Clean(b) }
