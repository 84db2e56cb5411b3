package rewrite

import "strings"

// keepLineEndings gives the lines that fixes wrote the line endings of
// the file they wrote into. Rules write "\n"; in a file whose every line
// ends with "\r\n", each "\n" that fixes added becomes "\r\n", so that the
// file does not end up with mixed line endings. A file that fixes create
// takes the line endings of the file whose fix created it. A file that
// mixes both is left as the fixes made it: there is no one style to keep.
//
// This is the one place that converts: the rounds of Fix work on the text
// as read, and the diff, JSON, standard output and the written files all
// show the converted text.
func keepLineEndings(res *Result) {
	crlf := map[string]bool{}
	for _, f := range res.Files {
		if !f.Created {
			crlf[f.Path] = isCRLF(f.Original)
		}
	}
	for _, a := range res.Applied {
		if !crlf[a.Path] {
			continue
		}
		for _, nf := range a.NewFiles {
			if _, ok := crlf[nf]; !ok {
				crlf[nf] = true
			}
		}
	}
	for _, f := range res.Files {
		if crlf[f.Path] && f.Changed() {
			f.Fixed = toCRLF(f.Fixed)
		}
	}
}

// isCRLF reports whether text has line breaks and every one is "\r\n".
func isCRLF(text string) bool {
	n := strings.Count(text, "\n")
	return n > 0 && n == strings.Count(text, "\r\n")
}

// toCRLF turns every "\n" of text that does not follow "\r" into "\r\n".
func toCRLF(text string) string {
	if strings.Count(text, "\n") == strings.Count(text, "\r\n") {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + strings.Count(text, "\n"))
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' && (i == 0 || text[i-1] != '\r') {
			b.WriteByte('\r')
		}
		b.WriteByte(text[i])
	}
	return b.String()
}
