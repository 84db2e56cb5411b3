// Package suppress reads pgsafe:ignore comments and applies them to
// diagnostics.
//
//	-- pgsafe:ignore <code|name>[, <code|name>...] <reason>
//	-- pgsafe:ignore-file <code|name>[, ...] <reason>
//
// The first form applies to the next statement, the second to the whole
// file. Both work in -- and /* */ comments; a block comment may run over
// several lines, with or without a " * " before each. The directive must
// open the comment. Comments come from the scanner's tokens, so text
// inside string literals, quoted identifiers and dollar-quoted bodies
// never counts.
package suppress

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rules"
)

// PlaceholderReason is the reason that an editor's "ignore this rule
// here" action writes for the user to replace. A directive whose reason
// is still a placeholder (any text wholly in angle brackets) counts as
// giving none.
const PlaceholderReason = "<say why this is safe here>"

// placeholder reports whether reason is a placeholder left to be
// replaced: wholly in angle brackets.
func placeholder(reason string) bool {
	return len(reason) > 2 && strings.HasPrefix(reason, "<") && strings.HasSuffix(reason, ">") && !strings.Contains(reason[1:len(reason)-1], ">")
}

// Directive is one parsed suppression comment.
type Directive struct {
	Comment sqlparse.Comment
	File    bool     // ignore-file
	Rules   []string // codes or names as written
	Reason  string
}

// Parse returns the directive in comment c, and false when c holds none.
func Parse(c sqlparse.Comment) (Directive, bool) {
	body := c.Plain()
	d := Directive{Comment: c}
	switch {
	case strings.HasPrefix(body, "pgsafe:ignore-file"):
		d.File = true
		body = body[len("pgsafe:ignore-file"):]
	case strings.HasPrefix(body, "pgsafe:ignore"):
		body = body[len("pgsafe:ignore"):]
	default:
		return d, false
	}
	if body != "" && body[0] != ' ' && body[0] != '\t' {
		return d, false // e.g. pgsafe:ignored
	}
	// The rule list is the first word and every word joined to it by a
	// comma, with or without spaces around the comma; the rest is the
	// reason.
	words := strings.Fields(body)
	i := 0
	for i < len(words) {
		w := words[i]
		for _, part := range strings.Split(w, ",") {
			if part != "" {
				d.Rules = append(d.Rules, part)
			}
		}
		i++
		joined := strings.HasSuffix(w, ",") || (i < len(words) && strings.HasPrefix(words[i], ","))
		if !joined {
			break
		}
	}
	d.Reason = strings.Join(words[i:], " ")
	return d, true
}

// Apply removes the diagnostics that suppressions in f cover and adds
// findings for suppressions that are malformed or match nothing. known are
// all rules; enabled are those that ran, by code.
func Apply(f *migration.File, diags []rules.Diagnostic, known []*rules.Rule, enabled map[string]*rules.Rule) []rules.Diagnostic {
	return ApplyScoped(f, diags, known, enabled, nil)
}

// ApplyScoped is Apply with the scopes of some line directives given,
// by the offset of their comment's start: such a directive covers the
// diagnostics that start in one of its spans (none, when it has none)
// instead of those of the next statement. For SQL found in Go code, a
// directive in a Go comment covers the Go query it is about
// (gocode.Scopes), which need not be the next statement of the SQL: the
// query may not parse, so that it has no statement, or its SQL may lie
// elsewhere, in a constant.
func ApplyScoped(f *migration.File, diags []rules.Diagnostic, known []*rules.Rule, enabled map[string]*rules.Rule, scopes map[int][]sqlparse.Span) []rules.Diagnostic {
	var dirs []Directive
	for _, c := range f.Comments {
		if d, ok := Parse(c); ok {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return diags
	}
	var meta []rules.Diagnostic
	report := func(name string, span sqlparse.Span, msg string) {
		k := rules.Lookup(known, name)
		if k == nil || enabled[k.Code] == nil {
			return
		}
		r := enabled[k.Code]
		meta = append(meta, rules.Diagnostic{Rule: r, Path: f.Path, Span: span, Severity: r.Severity, Message: msg})
	}
	used := make([]bool, len(dirs))
	resolved := make([][]string, len(dirs)) // codes per directive
	for i, d := range dirs {
		if len(d.Rules) == 0 {
			report("invalid-suppression", d.Comment.Span, "pgsafe:ignore names no rule")
			continue
		}
		for _, name := range d.Rules {
			r := rules.Lookup(known, name)
			if r == nil {
				report("invalid-suppression", d.Comment.Span, fmt.Sprintf("pgsafe:ignore names unknown rule %q", name))
				continue
			}
			resolved[i] = append(resolved[i], r.Code)
		}
		switch {
		case d.Reason == "":
			report("invalid-suppression", d.Comment.Span, "pgsafe:ignore gives no reason; say why the finding does not apply")
		case placeholder(d.Reason):
			report("invalid-suppression", d.Comment.Span, "pgsafe:ignore still gives the placeholder "+d.Reason+" as its reason; say why the finding does not apply")
		default:
		}
	}
	// The directives that may cover each statement's findings: those for
	// the whole file or given scopes, and those just above the statement.
	var whole []int
	above := map[int][]int{} // statement index -> directives
	for i, d := range dirs {
		if _, scoped := scopes[d.Comment.Start]; d.File || scoped {
			whole = append(whole, i)
		} else if st := nextStatement(f, d.Comment.End); st != nil {
			above[st.Index] = append(above[st.Index], i)
		}
	}
	kept := diags[:0:0]
	for _, dg := range diags {
		suppressed := false
		candidates := whole
		if st := statementAt(f, dg.Span.Start); st != nil && len(above[st.Index]) > 0 {
			candidates = append(candidates[:len(candidates):len(candidates)], above[st.Index]...)
		}
		for _, i := range candidates {
			if !covers(f, dirs[i], dg, scopes) || !contains(resolved[i], dg.Rule.Code) {
				continue
			}
			used[i] = true
			suppressed = true
		}
		if !suppressed {
			kept = append(kept, dg)
		}
	}
	for i, d := range dirs {
		if used[i] || len(resolved[i]) == 0 {
			continue
		}
		anyEnabled := false
		for _, code := range resolved[i] {
			if enabled[code] != nil {
				anyEnabled = true
			}
		}
		if anyEnabled {
			report("unused-suppression", d.Comment.Span, "pgsafe:ignore "+strings.Join(d.Rules, ", ")+" suppresses no finding")
		}
	}
	return append(kept, meta...)
}

// covers reports whether directive d's scope holds diagnostic dg.
func covers(f *migration.File, d Directive, dg rules.Diagnostic, scopes map[int][]sqlparse.Span) bool {
	if d.File {
		return true
	}
	if spans, ok := scopes[d.Comment.Start]; ok {
		for _, sp := range spans {
			if dg.Span.Start >= sp.Start && dg.Span.Start < sp.End {
				return true
			}
		}
		return false
	}
	st := nextStatement(f, d.Comment.End)
	return st != nil && dg.Span.Start >= st.Span.Start && dg.Span.Start < st.Span.End
}

// nextStatement returns the first statement that starts after offset off.
func nextStatement(f *migration.File, off int) *migration.Statement {
	i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Span.Start >= off })
	if i == len(f.Statements) {
		return nil
	}
	return f.Statements[i]
}

// statementAt returns the statement whose span holds offset off, nil when
// none does.
func statementAt(f *migration.File, off int) *migration.Statement {
	i := sort.Search(len(f.Statements), func(i int) bool { return f.Statements[i].Span.Start > off }) - 1
	if i < 0 || off >= f.Statements[i].Span.End {
		return nil
	}
	return f.Statements[i]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
