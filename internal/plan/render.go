package plan

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// listed is the number of migrations of a release that the text report
// lists in full; a longer release shows its first and last few.
const listed = 12

// shown is the number of migrations shown at each end of a long release.
const shown = 5

// Text writes the plan for people: a section per release, each with the
// application changes to deploy first and the migrations to run, then
// the changes that are unsafe in any order, then a summary line.
func Text(w io.Writer, p *Plan) error {
	var b strings.Builder
	if n := len(p.Deployed); n > 0 {
		fmt.Fprintf(&b, "Shipped already: %s (%s)\n\n", count(n, "migration"), span(p.Deployed))
	}
	for i, r := range p.Releases {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Release %d\n", r.Number)
		if len(r.DeployFirst) > 0 {
			b.WriteString("  first deploy application code that:\n")
			for _, c := range r.DeployFirst {
				fmt.Fprintf(&b, "    - %s\n      (%s)\n", c.Deploy, source(c))
			}
			b.WriteString("  then run:\n")
		} else {
			b.WriteString("  run:\n")
		}
		ms := r.Migrations
		for k, m := range ms {
			if len(ms) > listed && k == shown {
				fmt.Fprintf(&b, "    ... %s ...\n", count(len(ms)-2*shown, "more migration"))
			}
			if len(ms) > listed && k >= shown && k < len(ms)-shown {
				continue
			}
			fmt.Fprintf(&b, "    %s%s\n", m.Path, note(m))
		}
	}
	if len(p.Unsafe) > 0 {
		b.WriteString("\nUnsafe in any order: no application code runs on both sides of these changes; rewrite them as expand and contract:\n")
		for _, c := range p.Unsafe {
			fmt.Fprintf(&b, "  %s:%d: %s %s\n", c.Path, c.Line, c.Rule, c.Message)
		}
	}
	if len(p.Releases) > 0 || len(p.Deployed) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(summary(p))
	_, err := io.WriteString(w, b.String())
	return err
}

// document is the JSON form of a plan.
type document struct {
	Version int `json:"version"`
	*Plan
}

// JSON writes the plan as one JSON document (docs/plan.md describes it).
func JSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(document{Version: 1, Plan: p})
}

// summary is the report's last line.
func summary(p *Plan) string {
	n := 0
	for _, r := range p.Releases {
		n += len(r.Migrations)
	}
	var parts []string
	switch {
	case n == 0 && len(p.Deployed) > 0:
		parts = append(parts, "every migration has shipped already")
	case n == 0:
		parts = append(parts, "no migrations")
	default:
		parts = append(parts, fmt.Sprintf("%s in %s", count(n, "migration"), count(len(p.Releases), "release")))
	}
	if len(p.Deployed) > 0 && n > 0 {
		parts = append(parts, fmt.Sprintf("%s shipped already", count(len(p.Deployed), "migration")))
	}
	s := "pgsafe plan: " + strings.Join(parts, ", ")
	if len(p.Unsafe) > 0 {
		s += fmt.Sprintf("; %s unsafe in any order", count(len(p.Unsafe), "change"))
	}
	return s + "\n"
}

// source says where a change comes from: "db/3.sql:2, PS027", or
// "db/3.sql:1, contract after db/2.sql".
func source(c Change) string {
	switch c.Kind {
	case Contract:
		return fmt.Sprintf("%s:%d, %s", c.Path, c.Line, c.Message)
	default:
		return fmt.Sprintf("%s:%d, %s", c.Path, c.Line, c.Rule)
	}
}

// note says what is special about a migration of a release.
func note(m Migration) string {
	var parts []string
	if m.ContractAfter != "" {
		parts = append(parts, "contract after "+m.ContractAfter)
	}
	if m.Unparsed {
		parts = append(parts, "syntax error: the plan does not see its changes")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// span names the first and last of paths: "a.sql ... z.sql".
func span(paths []string) string {
	if len(paths) == 1 {
		return paths[0]
	}
	return paths[0] + " ... " + paths[len(paths)-1]
}

// count returns "1 release", "2 releases".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
