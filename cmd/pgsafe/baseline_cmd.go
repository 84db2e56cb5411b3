package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/baseline"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/rewrite"
)

func baselineCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the baseline to `FILE`", Value: baseline.DefaultPath},
	)
	return &cli.Command{
		Name:      "baseline",
		Usage:     "record today's findings, so that lint --baseline reports only new ones",
		ArgsUsage: "PATH... (files, folders or globs)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("baseline needs at least one PATH (a file, folder or glob)")
			}
			go sqlparse.Warm()
			s, err := resolve(c, e)
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
			// The application's queries and Go code, whose findings lint
			// --baseline reports too.
			queryErrs, err := s.loadSchemaInputs(c.Context, e)
			if err != nil {
				return err
			}
			loadErrs = append(loadErrs, queryErrs...)
			if len(loadErrs) > 0 {
				for _, le := range loadErrs {
					fmt.Fprintf(e.stderr, "pgsafe: %v\n", le)
				}
				return &exitError{code: exitUsage, err: fmt.Errorf("the baseline is not written: it would miss the findings of the files above")}
			}
			out := c.String("output")
			res, err := interruptible(c.Context, func() (*lint.Result, error) { return lint.Run(files, s.lint), nil })
			if err != nil {
				return interrupted()
			}
			b := baseline.Record(res, out, e.workdir)
			var buf bytes.Buffer
			if err := b.Write(&buf); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			target := absPath(out, e.workdir)
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("writing the baseline: %w", err)}
			}
			if err := rewrite.WriteAtomic(target, buf.Bytes()); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("writing the baseline: %w", err)}
			}
			_, err = fmt.Fprintf(e.stdout, "pgsafe baseline: recorded %s in %s; lint --baseline %s reports only new ones\n",
				countFindings(len(b.Findings)), out, out)
			return err
		},
	}
}

// countFindings returns "1 finding" or "n findings".
func countFindings(n int) string {
	if n == 1 {
		return "1 finding"
	}
	return fmt.Sprintf("%d findings", n)
}
