package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/docgen"
	"github.com/pgsafe/pgsafe/rules"
)

func rulesCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "rules",
		Usage: "list every rule: code, name, default severity and whether it has a fix",
		Action: func(*cli.Context) error {
			tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CODE\tNAME\tSEVERITY\tFIX\tSUMMARY")
			for _, r := range rules.All() {
				fix := "no"
				if r.Fixable {
					fix = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Code, r.Name, r.Severity, fix, r.Doc.Summary)
			}
			return tw.Flush()
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
