package report

import (
	"bufio"
	"encoding/json"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// JSONVersion is the version of the JSON contract. Fields may be added
// within a version, never renamed or removed.
const JSONVersion = 1

// JSON writes the stable JSON report, indented by two spaces, as
// encoding/json's indented form would be, but written as it goes rather
// than built in memory first: a run with thousands of findings writes
// megabytes.
func JSON(w io.Writer, in Input) error {
	jw := &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)}
	files := filesByPath(in)
	jw.raw("{\n  \"version\": ")
	jw.int(JSONVersion)
	jw.raw(",\n  \"files\": ")
	n := 0
	item := func() {
		if n == 0 {
			jw.raw("[\n    {\n")
		} else {
			jw.raw(",\n    {\n")
		}
		n++
	}
	for _, f := range in.Result.Files {
		item()
		jw.field("path", f.Path, false)
		jw.field("framework", f.Tool.Name, false)
		jw.field("framework_source", string(f.Choice.Source), false)
		jw.field("framework_evidence", f.Choice.Evidence, false)
		jw.field("mode", f.Run.String(), false)
		jw.field("direction", f.Direction.String(), false)
		jw.intField("statements", len(f.Statements), true)
		jw.raw("    }")
	}
	for _, s := range in.Result.Skipped {
		item()
		jw.field("path", s.Path, false)
		jw.field("framework", "", false)
		jw.field("framework_source", "", false)
		jw.field("framework_evidence", "", false)
		jw.field("mode", "", false)
		jw.field("direction", "", false)
		jw.intField("statements", 0, false)
		jw.field("skipped", s.Reason, true)
		jw.raw("    }")
	}
	jw.endArray(n)
	jw.raw(",\n  \"diagnostics\": ")
	n = 0
	for _, d := range in.Result.Diagnostics {
		item()
		jw.diagnostic(d, files[d.Path])
		jw.raw("    }")
	}
	jw.endArray(n)
	jw.raw(",\n  \"errors\": ")
	n = 0
	for _, e := range in.Errors {
		item()
		jw.field("message", e.Error(), true)
		jw.raw("    }")
	}
	jw.endArray(n)
	jw.raw(",\n  \"summary\": ")
	summary, err := json.MarshalIndent(Summarize(in), "  ", "  ")
	if err != nil {
		return err
	}
	jw.bytes(summary)
	jw.raw("\n}\n")
	if jw.err != nil {
		return jw.err
	}
	return jw.w.Flush()
}

// diagnostic writes the fields of one diagnostic of file f (nil when the
// run has no such file).
func (jw *jsonWriter) diagnostic(d rules.Diagnostic, f *migration.File) {
	var start, end sqlparse.Position
	if f != nil {
		start, end = f.Lines.Position(d.Span.Start), f.Lines.Position(d.Span.End)
	}
	jw.field("file", d.Path, false)
	jw.intField("line", start.Line, false)
	jw.intField("column", start.Column, false)
	jw.intField("end_line", end.Line, false)
	jw.intField("end_column", end.Column, false)
	jw.field("rule", d.Rule.Name, false)
	jw.field("code", d.Rule.Code, false)
	jw.field("severity", d.Severity.String(), false)
	jw.field("message", d.Message, false)
	jw.field("help", helpOf(d), false)
	jw.nullableField("lock", d.Lock.String())
	jw.nullableField("table", d.Table)
	jw.impact(d.Impact)
	jw.field("direction", direction(d), false)
	if len(d.Fixes) == 0 {
		jw.raw("      \"fix\": null\n")
		return
	}
	jw.raw("      \"fix\": {\n        \"title\": ")
	jw.str(d.Fixes[0].Title)
	jw.raw(",\n        \"safety\": ")
	jw.str(string(d.Fixes[0].Safety))
	jw.raw("\n      }\n")
}

// impact writes the figures of a finding's table and its estimated
// blocking time (lint --stats), each null when unknown.
func (jw *jsonWriter) impact(im *rules.Impact) {
	num := func(name string, ok bool, v string) {
		jw.raw("      \"" + name + "\": ")
		if ok {
			jw.raw(v)
		} else {
			jw.raw("null")
		}
		jw.raw(",\n")
	}
	known := im != nil && (im.Known || im.New)
	num("table_rows", known && im.Rows >= 0, strconv.FormatInt(impactRows(im), 10))
	num("table_bytes", known, strconv.FormatInt(impactBytes(im), 10))
	writes, _ := json.Marshal(impactWrites(im)) // as encoding/json writes a float
	num("writes_per_second", known && impactWrites(im) >= 0, string(writes))
	num("estimated_block_ms", im != nil && im.Estimated, strconv.FormatInt(impactBlockMS(im), 10))
	if im == nil {
		jw.raw("      \"estimate\": null,\n")
		return
	}
	jw.field("estimate", im.Note, false)
}

// direction returns "down" for a finding in a down migration, else "up".
func direction(d rules.Diagnostic) string {
	if d.Down {
		return "down"
	}
	return "up"
}

// jsonWriter writes JSON text; the first error sticks.
type jsonWriter struct {
	w   *bufio.Writer
	buf []byte
	err error
}

func (jw *jsonWriter) raw(s string) {
	if jw.err == nil {
		_, jw.err = jw.w.WriteString(s)
	}
}

func (jw *jsonWriter) bytes(b []byte) {
	if jw.err == nil {
		_, jw.err = jw.w.Write(b)
	}
}

func (jw *jsonWriter) int(n int) { jw.bytes(strconv.AppendInt(jw.buf[:0], int64(n), 10)) }

// str writes s as a JSON string, escaped as encoding/json escapes it
// (HTML-safe, invalid UTF-8 as U+FFFD).
func (jw *jsonWriter) str(s string) {
	jw.buf = appendJSONString(jw.buf[:0], s)
	jw.bytes(jw.buf)
}

// field writes an object member at the depth of an array item's fields;
// last leaves out the comma.
func (jw *jsonWriter) field(name, value string, last bool) {
	jw.raw("      \"" + name + "\": ")
	jw.str(value)
	jw.end(last)
}

func (jw *jsonWriter) intField(name string, value int, last bool) {
	jw.raw("      \"" + name + "\": ")
	jw.int(value)
	jw.end(last)
}

// nullableField writes value, or null when it is empty.
func (jw *jsonWriter) nullableField(name, value string) {
	if value == "" {
		jw.raw("      \"" + name + "\": null,\n")
		return
	}
	jw.field(name, value, false)
}

func (jw *jsonWriter) end(last bool) {
	if last {
		jw.raw("\n")
	} else {
		jw.raw(",\n")
	}
}

// endArray closes an array of n items.
func (jw *jsonWriter) endArray(n int) {
	if n == 0 {
		jw.raw("[]")
	} else {
		jw.raw("\n  ]")
	}
}

// appendJSONString appends s quoted, with the escapes encoding/json uses.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
