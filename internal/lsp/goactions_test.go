package lsp

import (
	"strings"
	"testing"
)

func TestGoLineStart(t *testing.T) {
	for _, tc := range []struct {
		name, src, at, want string
	}{
		{"the query's own line", "package p\n\nfunc f() {\n\tdb.Query(\"SELECT *\")\n}\n", "SELECT", "\tdb.Query"},
		{"a line that starts inside a raw string", "package p\n\nfunc f() {\n\tx := `a\nb`; db.Query(\"SELECT *\")\n}\n", "SELECT", "\tx := `a"},
		{"the same with CRLF line ends", "package p\r\n\r\nfunc f() {\r\n\tx := `a\r\nb`; db.Query(\"SELECT *\")\r\n}\r\n", "SELECT", "\tx := `a"},
		{"a line that starts inside a block comment", "package p\n\nfunc f() {\n\t/* a\n\tb */ db.Query(\"SELECT *\")\n}\n", "SELECT", "\t/* a"},
		{"two raw strings, one after the other", "package p\n\nvar x = `a\nb` + `c\nd`; var y = q(\"SELECT *\")\n", "SELECT", "var x = `a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := goLineStart(tc.src, strings.Index(tc.src, tc.at))
			if want := strings.Index(tc.src, tc.want); got != want {
				t.Errorf("goLineStart = %d (%q), want %d (%q)", got, tc.src[got:], want, tc.src[want:])
			}
		})
	}
}
