package lsp

import (
	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/pgast"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/schema"
	"github.com/pgsafe/pgsafe/rules"
)

// publishCheck publishes the findings of p's last check c for each open
// document of the set and each open Go document that its code globs
// read, and the config's error on the config file. The
// caller holds p.checkMu and server.mu.
func (s *server) publishCheck(p *project, c checked) {
	if p.cfgErr != nil {
		path, at, msg := configError(p.cfgErr, p.cfgPath)
		if path == "" {
			s.logf("%v", p.cfgErr)
		} else {
			s.publishConfigError(path, at, msg)
		}
	} else if s.configDiags[p.cfgPath] {
		// The config's error is fixed.
		delete(s.configDiags, p.cfgPath)
		s.publish(PublishDiagnosticsParams{URI: s.uriOf(p.cfgPath), Diagnostics: []Diagnostic{}})
	}
	for path, d := range s.docs {
		if !isSQL(path) || s.rootOf(path) != p.root {
			continue
		}
		version, ok := c.versions[path]
		if !ok {
			// Not read by this check (a file outside the set's own).
			continue
		}
		x := newLineIndex(p.texts[path], s.encoding)
		out := make([]Diagnostic, 0, len(p.diags[path]))
		for _, fd := range p.diags[path] {
			out = append(out, s.diagnostic(p, fd, x))
		}
		v := version
		s.publish(PublishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: out})
	}
	s.publishGoCheck(p, c)
}

// publishConfigError shows a config error on the config file: on the
// bytes it is about when known, else on its line (the first when
// unknown). The caller holds server.mu.
func (s *server) publishConfigError(path string, at config.Error, msg string) {
	text := ""
	if d := s.docs[path]; d != nil {
		text = d.text
	} else if b, err := readFile(path); err == nil {
		text = b
	}
	x := newLineIndex(text, s.encoding)
	l := max(at.Line-1, 0)
	start := x.offset(Position{Line: l})
	end := x.offset(Position{Line: l, Character: 1 << 30})
	// The line without its indentation.
	for start < end && (text[start] == ' ' || text[start] == '\t') {
		start++
	}
	if at.Len > 0 && at.Start+at.Len <= len(text) {
		start, end = at.Start, at.Start+at.Len
	}
	if s.configDiags == nil {
		s.configDiags = map[string]bool{}
	}
	s.configDiags[path] = true
	var version *int
	if d := s.docs[path]; d != nil {
		v := d.version
		version = &v
	}
	s.publish(PublishDiagnosticsParams{URI: s.uriOf(path), Version: version, Diagnostics: []Diagnostic{{
		Range:    x.rangeOf(start, end),
		Severity: severityError,
		Source:   "pgsafe",
		Message:  msg,
	}}})
}

// diagnostic converts a finding of p's last check for the editor; x
// indexes the text it was found in. The caller holds p.checkMu and
// server.mu.
func (s *server) diagnostic(p *project, d rules.Diagnostic, x *lineIndex) Diagnostic {
	msg := d.Message
	help := d.Help
	if help == "" {
		help = d.Rule.Doc.Help
	}
	if help != "" {
		msg += "\nhelp: " + help
	}
	if d.Impact != nil && d.Impact.Note != "" {
		msg += "\nproduction: " + d.Impact.Note
	}
	return Diagnostic{
		Range:              x.rangeOf(d.Span.Start, d.Span.End),
		Severity:           severityOf(d.Severity),
		Code:               d.Rule.Code,
		CodeDescription:    &CodeDescription{Href: report.RuleURL(d.Rule.Code)},
		Source:             "pgsafe",
		Message:            msg,
		RelatedInformation: s.related(p, d),
	}
}

// related points at the other statements that a finding's message names
// (rules.Diagnostic.Related), in the set's migrations, its application
// query files or its Go code, and at the statements that created the
// tables it names, elsewhere in the set (an earlier migration, or earlier
// in the file). The caller holds p.checkMu and server.mu.
func (s *server) related(p *project, d rules.Diagnostic) []DiagnosticRelatedInformation {
	var out []DiagnosticRelatedInformation
	for _, r := range d.Related {
		path := r.Path
		if path == "" {
			path = d.Path
		}
		text, ok := p.textOf(path)
		if !ok {
			continue
		}
		x := newLineIndex(text, s.encoding)
		out = append(out, DiagnosticRelatedInformation{
			Location: Location{URI: s.uriOf(path), Range: x.rangeOf(r.Span.Start, r.Span.End)},
			Message:  r.Message,
		})
	}
	if p.last == nil || p.last.History == nil || d.Table == "" {
		return out
	}
	for _, table := range d.Tables() {
		id := p.last.History.RelationID(pgast.KeyOfDisplay(table))
		if id == 0 {
			continue
		}
		for _, e := range p.last.History.Events(id) {
			if e.Kind != schema.TableCreated {
				continue
			}
			if e.Path == d.Path && e.Span.Start <= d.Span.Start && d.Span.Start < max(e.Span.End, e.Span.Start+1) {
				break // the finding is on the CREATE itself
			}
			text, ok := p.texts[e.Path]
			if !ok {
				break
			}
			x := newLineIndex(text, s.encoding)
			out = append(out, DiagnosticRelatedInformation{
				Location: Location{URI: s.uriOf(e.Path), Range: x.rangeOf(e.Span.Start, e.Span.End)},
				Message:  table + " is created here",
			})
			break
		}
	}
	return out
}

// severityOf maps pgsafe's severities to LSP's.
func severityOf(s rules.Severity) int {
	switch s {
	case rules.Error:
		return severityError
	case rules.Warning:
		return severityWarning
	case rules.Hint:
		return severityHint
	default:
		return severityInformation
	}
}

// diagnosticLocked is diagnostic for a caller that holds only p.checkMu.
func (s *server) diagnosticLocked(p *project, d rules.Diagnostic, x *lineIndex) Diagnostic {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.diagnostic(p, d, x)
}
