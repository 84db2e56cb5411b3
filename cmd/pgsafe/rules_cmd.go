package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/docgen"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/rules"
)

// ruleJSON is one rule in `pgsafe rules --format json`. Fields may be
// added, never renamed or removed.
type ruleJSON struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Severity string `json:"severity"`
	// FixAvailability is none, display-only, sometimes or always.
	FixAvailability string `json:"fix_availability"`
	Summary         string `json:"summary"`
	DocURL          string `json:"doc_url"`
}

func rulesCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list every rule: code, name, default severity, what `pgsafe fix` does with its findings, and summary",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "text", Usage: "output `FORMAT`: text or json"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("rules takes no arguments, got %q", c.Args().First())
			}
			switch c.String("format") {
			case "text":
				tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "CODE\tNAME\tSEVERITY\tFIX\tSUMMARY")
				for _, r := range rules.All() {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Code, r.Name, r.Severity, r.FixAvailability, r.Doc.Summary)
				}
				return tw.Flush()
			case "json":
				all := rules.All()
				out := make([]ruleJSON, len(all))
				for i, r := range all {
					out[i] = ruleJSON{Code: r.Code, Name: r.Name, Severity: r.Severity.String(), FixAvailability: string(r.FixAvailability),
						Summary: r.Doc.Summary, DocURL: report.RuleURL(r.Code)}
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(out)
			default:
				return usageError("--format %q: want text or json", c.String("format"))
			}
		},
	}
}

func explainCommand(e env) *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "print a rule's documentation",
		ArgsUsage: "CODE|NAME",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usageError("explain needs one rule code or name")
			}
			r := rules.Lookup(rules.All(), c.Args().First())
			if r == nil {
				return usageError("unknown rule %q (see `pgsafe rules`)", c.Args().First())
			}
			_, err := fmt.Fprint(e.stdout, docgen.Page(r))
			return err
		},
	}
}
