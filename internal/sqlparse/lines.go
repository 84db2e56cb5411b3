package sqlparse

import (
	"sort"
	"strings"
)

// BOM is the UTF-8 byte order mark. psql runs a file that starts with
// one, so pgsafe reads past it; it counts for no column.
const BOM = "\uFEFF"

// Position is a 1-based line and column. Columns count characters, not bytes.
type Position struct {
	Line   int
	Column int
}

// charBlock is the number of bytes between the character counts that
// Lines keeps for a text that is not ASCII.
const charBlock = 256

// Lines maps byte offsets of a text to line and column positions. Each
// lookup takes time independent of the length of the line, so that
// placing every statement of a file written on one line stays linear.
type Lines struct {
	text   string
	starts []int // byte offset of the start of each line
	bom    int   // len(BOM) when text starts with one, else 0
	// chars[k] is the number of characters in text[:k*charBlock], and
	// units[k] their length in UTF-16 code units; nil when the text is
	// ASCII, where a character is a byte and a code unit.
	chars, units []int
}

// NewLines indexes the line starts of text, which is UTF-8.
func NewLines(text string) *Lines {
	starts := make([]int, 1, 1+strings.Count(text, "\n"))
	for i := 0; ; {
		j := strings.IndexByte(text[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	l := &Lines{text: text, starts: starts}
	if strings.HasPrefix(text, BOM) {
		l.bom = len(BOM)
	}
	if !isASCII(text) {
		l.chars = make([]int, len(text)/charBlock+1)
		l.units = make([]int, len(text)/charBlock+1)
		n, u := 0, 0
		for k := range l.chars {
			l.chars[k], l.units[k] = n, u
			block := text[k*charBlock : min((k+1)*charBlock, len(text))]
			n += countChars(block)
			u += countUnits(block)
		}
	}
	return l
}

// UTF16 returns the length of text[:off] in UTF-16 code units, which
// SARIF counts columns and offsets in: characters beyond the Basic
// Multilingual Plane take two.
func (l *Lines) UTF16(off int) int {
	off = min(max(off, 0), len(l.text))
	if l.units == nil {
		return off
	}
	k := off / charBlock
	return l.units[k] + countUnits(l.text[k*charBlock:off])
}

// Position returns the line and column of byte offset off.
func (l *Lines) Position(off int) Position {
	if off < 0 {
		off = 0
	}
	if off > len(l.text) {
		off = len(l.text)
	}
	n := l.lineOf(off)
	start := l.lineStart(n)
	if off < start {
		return Position{Line: 1, Column: 1} // inside the BOM
	}
	return Position{Line: n, Column: l.charsBefore(off) - l.charsBefore(start) + 1}
}

// LineStart returns the byte offset where the line holding byte offset
// off starts: after the BOM on the first line.
func (l *Lines) LineStart(off int) int {
	off = min(max(off, 0), len(l.text))
	return min(l.lineStart(l.lineOf(off)), off)
}

// lineOf returns the 1-based line holding byte offset off, which lies in
// the text.
func (l *Lines) lineOf(off int) int {
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off })
}

// lineStart returns the byte offset of the first character of the
// 1-based line n: after the BOM on the first line.
func (l *Lines) lineStart(n int) int {
	if n == 1 {
		return l.bom
	}
	return l.starts[n-1]
}

// charsBefore returns the number of characters in text[:off].
func (l *Lines) charsBefore(off int) int {
	if l.chars == nil {
		return off
	}
	k := off / charBlock
	return l.chars[k] + countChars(l.text[k*charBlock:off])
}

// Line returns the text of the 1-based line n without its line
// terminator, and without the BOM on the first line.
func (l *Lines) Line(n int) string {
	if n < 1 || n > len(l.starts) {
		return ""
	}
	start := l.lineStart(n)
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
	start := l.lineStart(p.Line)
	return start + CharToByte(l.text[start:], p.Column-1)
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// countUnits returns the length of s in UTF-16 code units: one for each
// character, two for one of four bytes. s is valid UTF-8.
func countUnits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0xF0:
			n += 2
		case c&0xC0 != 0x80:
			n++
		default:
		}
	}
	return n
}

// countChars returns the number of characters of s: its bytes that do
// not continue a UTF-8 sequence. For valid UTF-8 it is the rune count.
func countChars(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i]&0xC0 != 0x80 {
			n++
		}
	}
	return n
}
