package lsp

import (
	"context"
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/internal/locks"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/suppress"
	"github.com/pgsafe/pgsafe/rules"
)

// hover answers textDocument/hover: on a rule in a pgsafe:ignore
// comment, the rule's summary; on a statement, the table locks it takes
// and what they block, from the lock model.
func (s *server) hover(ctx context.Context, params TextDocumentPositionParams) (*Hover, error) {
	path, err := uriToPath(params.TextDocument.URI)
	if err != nil || !isSQL(path) {
		return nil, nil
	}
	s.mu.Lock()
	if s.docs[path] == nil {
		s.mu.Unlock()
		return nil, nil
	}
	p := s.projectLocked(path)
	s.mu.Unlock()
	var out *Hover
	err = p.withFresh(ctx, func(checked) error {
		f := p.file(path)
		if f == nil || p.settings == nil {
			return nil
		}
		x := newLineIndex(p.texts[path], s.encoding)
		off := x.offset(params.Position)
		if h := s.suppressionHover(f, off, x); h != nil {
			out = h
			return nil
		}
		out = s.statementHover(f, off, x, p.settings.Lint.Rule.PGVersion)
		return nil
	})
	return out, err
}

// suppressionHover returns the summary of the rule named at off in a
// pgsafe:ignore comment; nil when off is not on one.
func (s *server) suppressionHover(f *migration.File, off int, x *lineIndex) *Hover {
	for _, c := range f.Comments {
		if off < c.Start || off >= c.End {
			continue
		}
		if _, ok := suppress.Parse(c); !ok {
			return nil
		}
		// The word under the cursor: a code or a name.
		text := f.Text
		start, end := off, off
		for start > c.Start && isWordByte(text[start-1]) {
			start--
		}
		for end < c.End && isWordByte(text[end]) {
			end++
		}
		r := rules.Lookup(rules.All(), text[start:end])
		if r == nil {
			return nil
		}
		rg := x.rangeOf(start, end)
		return &Hover{Range: &rg, Contents: MarkupContent{Kind: "markdown", Value: ruleMarkdown(r)}}
	}
	return nil
}

// isWordByte reports whether b may be part of a rule's code or name.
func isWordByte(b byte) bool {
	return b == '-' || b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// ruleMarkdown describes a rule for a hover.
func ruleMarkdown(r *rules.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**%s** `%s` (%s)\n\n%s", r.Code, r.Name, r.Severity, r.Doc.Summary)
	if r.Doc.Locks != "" {
		fmt.Fprintf(&b, "\n\n%s", r.Doc.Locks)
	}
	fmt.Fprintf(&b, "\n\n[%s documentation](%s)", r.Code, report.RuleURL(r.Code))
	return b.String()
}

// statementHover lists the table locks of the statement at off; nil when
// off is on none or the model knows no lock for it.
func (s *server) statementHover(f *migration.File, off int, x *lineIndex, pgVersion int) *Hover {
	for _, st := range f.Statements {
		if off < st.Span.Start || off > st.Span.End || st.Node == nil {
			continue
		}
		ls := locks.Statement(st.Node, pgVersion)
		var b strings.Builder
		if len(ls) == 0 {
			b.WriteString("Takes no lock on a table that exists before it runs.")
		} else {
			fmt.Fprintf(&b, "**Locks** (PostgreSQL %d)\n", pgVersion)
			for _, l := range ls {
				fmt.Fprintf(&b, "\n- `%s` on `%s` (%s): %s", l.Mode, l.Relation, l.Role, blocks(l.Mode))
			}
		}
		if st.Tx != nil {
			b.WriteString("\n\nHeld until the transaction ends.")
		}
		rg := x.rangeOf(st.Span.Start, st.Span.End)
		return &Hover{Range: &rg, Contents: MarkupContent{Kind: "markdown", Value: b.String()}}
	}
	return nil
}

// blocks says what a lock in mode m blocks, naming the statements.
func blocks(m locks.Mode) string {
	b := m.Blocks()
	var what []string
	if b.Reads {
		what = append(what, "reads (SELECT)")
	}
	if b.Writes {
		what = append(what, "writes (INSERT, UPDATE, DELETE)")
	}
	if b.DDL {
		what = append(what, "schema changes, VACUUM and ANALYZE")
	}
	if len(what) == 0 {
		return m.Describe()
	}
	return "blocks " + strings.Join(what, ", ")
}
