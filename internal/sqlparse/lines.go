package sqlparse

import (
	"sort"
	"unicode/utf8"
)

// Position is a 1-based line and column. Columns count characters, not bytes.
type Position struct {
	Line   int
	Column int
}

// Lines maps byte offsets of a text to line and column positions.
type Lines struct {
	text   string
	starts []int // byte offset of the start of each line
}

// NewLines indexes the line starts of text.
func NewLines(text string) *Lines {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &Lines{text: text, starts: starts}
}

// Position returns the line and column of byte offset off.
func (l *Lines) Position(off int) Position {
	if off < 0 {
		off = 0
	}
	if off > len(l.text) {
		off = len(l.text)
	}
	i := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return Position{Line: i + 1, Column: utf8.RuneCountInString(l.text[l.starts[i]:off]) + 1}
}

// Line returns the text of the 1-based line n without its line terminator.
func (l *Lines) Line(n int) string {
	if n < 1 || n > len(l.starts) {
		return ""
	}
	start := l.starts[n-1]
	end := len(l.text)
	if n < len(l.starts) {
		end = l.starts[n] - 1
	}
	if end > start && l.text[end-1] == '\r' {
		end--
	}
	return l.text[start:end]
}

// Offset returns the byte offset of the 1-based line and character column.
func (l *Lines) Offset(p Position) int {
	if p.Line < 1 || p.Line > len(l.starts) {
		return len(l.text)
	}
	return l.starts[p.Line-1] + CharToByte(l.text[l.starts[p.Line-1]:], p.Column-1)
}
