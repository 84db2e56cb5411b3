package timeline_test

import (
	"html"
	"regexp"
	"strings"
)

// element is a start tag of a page: its name, attributes and the text
// that follows it up to the next tag.
type element struct {
	Name  string
	Attrs map[string]string
	Text  string
}

var (
	tagPattern  = regexp.MustCompile(`<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z_:][-a-zA-Z0-9_:.]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'>=]+))?)*)\s*/?>([^<]*)`)
	attrPattern = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>=]+)))?`)
)

// elements returns the start tags of page, in order. It reads what
// html/template writes and what Chromium's --dump-dom prints: attribute
// values quoted, < and > escaped in text.
func elements(page string) []element {
	var out []element
	for _, m := range tagPattern.FindAllStringSubmatch(page, -1) {
		e := element{Name: strings.ToLower(m[1]), Attrs: map[string]string{}, Text: html.UnescapeString(m[3])}
		for _, a := range attrPattern.FindAllStringSubmatch(m[2], -1) {
			e.Attrs[strings.ToLower(a[1])] = html.UnescapeString(a[2] + a[3] + a[4])
		}
		out = append(out, e)
	}
	return out
}

// hasClass reports whether e has class c.
func (e element) hasClass(c string) bool {
	for _, f := range strings.Fields(e.Attrs["class"]) {
		if f == c {
			return true
		}
	}
	return false
}

// withClass returns the elements of es that have class c.
func withClass(es []element, c string) []element {
	var out []element
	for _, e := range es {
		if e.hasClass(c) {
			out = append(out, e)
		}
	}
	return out
}
