// Package docgen renders rule documentation as Markdown: one page per rule
// for docs/rules/<code>.md and `pgsafe explain`, and an index page.
package docgen

import (
	"fmt"
	"strings"

	"github.com/pgsafe/pgsafe/rules"
)

// Page returns the Markdown page of rule r.
func Page(r *rules.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s\n\n", r.Code, r.Name)
	fmt.Fprintf(&b, "%s\n\n", r.Doc.Summary)
	fmt.Fprintf(&b, "- Default severity: `%s`\n", r.Severity)
	fmt.Fprintf(&b, "- Fix: `%s`: %s\n", r.FixAvailability, r.FixAvailability.Describe())
	if r.Doc.Locks != "" {
		fmt.Fprintf(&b, "- Locks: %s\n", r.Doc.Locks)
	}
	fmt.Fprintf(&b, "\n## Why\n\n%s\n", r.Doc.Why)
	if r.Doc.Bad != "" {
		fmt.Fprintf(&b, "\n## Bad\n\n```sql\n%s\n```\n", strings.TrimSpace(r.Doc.Bad))
	}
	if r.Doc.Good != "" {
		fmt.Fprintf(&b, "\n## Good\n\n```sql\n%s\n```\n", strings.TrimSpace(r.Doc.Good))
	}
	fmt.Fprintf(&b, "\n## How to fix\n\n%s\n", r.Doc.Help)
	fmt.Fprintf(&b, "\n## Fix safety\n\n%s\n", r.Doc.FixSafety)
	if r.Doc.Versions != "" {
		fmt.Fprintf(&b, "\n## PostgreSQL versions\n\n%s\n", r.Doc.Versions)
	}
	fmt.Fprintf(&b, "\n## Suppress\n\n```sql\n-- pgsafe:ignore %s <reason>\n```\n", r.Name)
	return b.String()
}

// Index returns the Markdown index of all rules.
func Index(all []*rules.Rule) string {
	var b strings.Builder
	b.WriteString("# Rules\n\nGenerated from the rules' own documentation by `go test ./internal/docgen -update`; do not edit by hand.\n\n")
	b.WriteString("Fix says what `pgsafe fix` does with a rule's findings: `none` (no fix), `display-only` (a recipe to " +
		"follow by hand), `sometimes` (applied to some statements, or safe for some and unsafe for others) or `always`.\n\n")
	b.WriteString("| Code | Name | Severity | Fix | Summary |\n|---|---|---|---|---|\n")
	for _, r := range all {
		fmt.Fprintf(&b, "| [%s](%s.md) | `%s` | %s | %s | %s |\n", r.Code, r.Code, r.Name, r.Severity, r.FixAvailability, cell(r.Doc.Summary))
	}
	return b.String()
}

// cell escapes text for a Markdown table cell: a "|" would end the cell
// and a line break the row.
func cell(text string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(text)
}
