package lsp

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// Position encodings (LSP 3.17 PositionEncodingKind).
const (
	encodingUTF8  = "utf-8"
	encodingUTF16 = "utf-16"
	encodingUTF32 = "utf-32"
)

// chooseEncoding picks the position encoding from those the client
// offers: UTF-8 when it offers it (pgsafe's spans are byte offsets), else
// UTF-16, which every client supports.
func chooseEncoding(offered []string) string {
	for _, e := range offered {
		if e == encodingUTF8 {
			return encodingUTF8
		}
	}
	return encodingUTF16
}

// lineIndex converts between byte offsets in a text and LSP positions in
// an encoding.
type lineIndex struct {
	text     string
	starts   []int // byte offset of each line's start
	encoding string
}

func newLineIndex(text, encoding string) *lineIndex {
	starts := []int{0}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{text: text, starts: starts, encoding: encoding}
}

// position returns the position of byte offset off.
func (x *lineIndex) position(off int) Position {
	off = max(0, min(off, len(x.text)))
	line := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > off }) - 1
	return Position{Line: line, Character: x.units(x.text[x.starts[line]:off])}
}

// rangeOf returns the range of the bytes [start, end).
func (x *lineIndex) rangeOf(start, end int) Range {
	return Range{Start: x.position(start), End: x.position(end)}
}

// offset returns the byte offset of p. A character past the end of its
// line is the line's end (before its newline); a line past the last is
// the end of the text.
func (x *lineIndex) offset(p Position) int {
	if p.Line < 0 {
		return 0
	}
	if p.Line >= len(x.starts) {
		return len(x.text)
	}
	start := x.starts[p.Line]
	end := len(x.text)
	if p.Line+1 < len(x.starts) {
		end = x.starts[p.Line+1] - 1 // the newline
		if end > start && x.text[end-1] == '\r' {
			end--
		}
	}
	if x.encoding == encodingUTF8 {
		return min(start+max(p.Character, 0), end)
	}
	n := 0
	for i, r := range x.text[start:end] {
		if n >= p.Character {
			return start + i
		}
		n += x.unitsOf(r)
	}
	return end
}

// units counts s in the code units of the encoding.
func (x *lineIndex) units(s string) int {
	switch x.encoding {
	case encodingUTF8:
		return len(s)
	case encodingUTF32:
		return utf8.RuneCountInString(s)
	}
	n := 0
	for _, r := range s {
		n += x.unitsOf(r)
	}
	return n
}

// unitsOf returns the number of code units of r in the encoding, which
// is not UTF-8 (see offset).
func (x *lineIndex) unitsOf(r rune) int {
	if x.encoding == encodingUTF32 {
		return 1
	}
	if utf16.IsSurrogate(r) || r < 0x10000 {
		return 1
	}
	return 2
}
