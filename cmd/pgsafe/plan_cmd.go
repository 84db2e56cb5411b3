package main

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/plan"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rules"
)

func planCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "output `FORMAT`: text or json", Value: "text"},
		&cli.StringFlag{Name: "changed-since", Usage: "plan only the migrations added or changed since the git `REF`: the others have shipped"},
	)
	return &cli.Command{
		Name:      "plan",
		Usage:     "print the releases a migration set implies: which migrations must run before which application change",
		ArgsUsage: "PATH... (files, folders or globs)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			s, err := begin(c, e, "text", "json")
			if err != nil {
				return err
			}
			files, loadErrs, err := source.LoadContext(c.Context, c.Args().Slice(), s.source)
			if err != nil {
				return interrupted()
			}
			if err := checkConfigs(c, s.cfg, files, e); err != nil {
				return err
			}
			sc, err := newScope(c, e, s.cfg)
			if err != nil {
				return err
			}
			shipped, err := applyReleases(c.Context, e, s, sc.changes, sc.ref, files)
			if err != nil {
				return err
			}
			queryErrs, err := s.loadSchemaInputs(c.Context, e)
			if err != nil {
				return err
			}
			for _, le := range append(loadErrs, queryErrs...) {
				fmt.Fprintf(e.stderr, "pgsafe: %v\n", le)
			}
			// Only the rules whose findings make release boundaries run,
			// among those the settings enable.
			var enabled []*rules.Rule
			for _, r := range s.lint.Rules {
				if slices.Contains(plan.Rules, r.Code) {
					enabled = append(enabled, r)
				}
			}
			s.lint.Rules = enabled
			res, err := interruptible(c.Context, func() (*lint.Result, error) { return lint.Run(files, s.lint), nil })
			if err != nil {
				return interrupted()
			}
			p := plan.Build(res, plan.Options{Deployed: notPending(shipped.pending)})
			if c.String("format") == "json" {
				err = plan.JSON(e.stdout, p)
			} else {
				err = plan.Text(e.stdout, p)
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if len(loadErrs)+len(queryErrs) > 0 {
				return &exitError{code: exitUsage}
			}
			return nil
		},
	}
}

// notPending returns the opposite of pending, nil for nil.
func notPending(pending func(string) bool) func(string) bool {
	if pending == nil {
		return nil
	}
	return func(path string) bool { return !pending(path) }
}
