package lsp

import (
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/rules"
)

// publishCheck publishes the findings of p's last check c for each open
// document of the set, and the config's error on the config file. The
// caller holds p.checkMu and server.mu.
func (s *server) publishCheck(p *project, c checked) {
	if p.cfgErr != nil {
		path, line, msg := configError(p.cfgErr, p.cfgPath)
		if path == "" {
			s.logf("%v", p.cfgErr)
		} else {
			s.publishConfigError(path, line, msg)
		}
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
			out = append(out, s.diagnostic(fd, x))
		}
		v := version
		s.publish(PublishDiagnosticsParams{URI: d.uri, Version: &v, Diagnostics: out})
	}
}

// publishConfigError shows a config error on the config file, at its
// 1-based line (the first line when 0). The caller holds server.mu.
func (s *server) publishConfigError(path string, line int, msg string) {
	text := ""
	if d := s.docs[path]; d != nil {
		text = d.text
	} else if b, err := readFile(path); err == nil {
		text = b
	}
	x := newLineIndex(text, s.encoding)
	l := max(line-1, 0)
	start := x.offset(Position{Line: l})
	end := x.offset(Position{Line: l, Character: 1 << 30})
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

// diagnostic converts a finding for the editor; x indexes the text it
// was found in.
func (s *server) diagnostic(d rules.Diagnostic, x *lineIndex) Diagnostic {
	msg := d.Message
	help := d.Help
	if help == "" {
		help = d.Rule.Doc.Help
	}
	if help != "" {
		msg += "\nhelp: " + help
	}
	return Diagnostic{
		Range:           x.rangeOf(d.Span.Start, d.Span.End),
		Severity:        severityOf(d.Severity),
		Code:            d.Rule.Code,
		CodeDescription: &CodeDescription{Href: report.RuleURL(d.Rule.Code)},
		Source:          "pgsafe",
		Message:         msg,
	}
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
