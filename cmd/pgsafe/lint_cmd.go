package main

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/report"
	"github.com/pgsafe/pgsafe/internal/source"
)

func lintCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "output `FORMAT`: text or json", Value: "text"},
		&cli.StringFlag{Name: "color", Usage: "colour the text output: `WHEN` is auto (on a terminal, unless NO_COLOR is set), always or never", Value: "auto"},
		&cli.StringFlag{Name: "fail-on", Usage: "exit 1 when a finding has at least this `SEVERITY`: hint, warning, error or never", Value: "warning"},
	)
	return &cli.Command{
		Name:      "lint",
		Usage:     "report lock hazards in migration files",
		ArgsUsage: "PATH... (files, folders, globs, or - for stdin)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			start := time.Now()
			if c.NArg() == 0 {
				return usageError("lint needs at least one PATH (a file, folder, glob, or - for stdin)")
			}
			s, err := resolve(c, e)
			if err != nil {
				return err
			}
			format := c.String("format")
			if format != "text" && format != "json" {
				return usageError("--format %q: want text or json", format)
			}
			colorOn, err := colorEnabled(c.String("color"), e)
			if err != nil {
				return err
			}
			files, loadErrs := source.Load(c.Args().Slice(), s.source)
			queryErrs, err := s.loadSchemaInputs(c.Context, e)
			if err != nil {
				return err
			}
			loadErrs = append(loadErrs, queryErrs...)
			res := lint.Run(files, s.lint)
			// PGSAFE_NO_TIMING leaves timings out, for output that must
			// not change from run to run (golden tests).
			noTiming := e.getenv("PGSAFE_NO_TIMING") != ""
			in := report.Input{Result: res, Errors: loadErrs, Duration: time.Since(start)}
			if noTiming {
				in.Duration = 0
			}
			if format == "json" {
				err = report.JSON(e.stdout, in)
			} else {
				err = report.Text(e.stdout, in, report.TextOptions{Color: colorOn, NoTiming: noTiming})
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if len(loadErrs) > 0 {
				return &exitError{code: exitUsage}
			}
			for _, d := range res.Diagnostics {
				if d.Severity >= s.failOn {
					return &exitError{code: exitFindings}
				}
			}
			return nil
		},
	}
}

// colorEnabled decides on colour: --color wins, then NO_COLOR, then
// whether stdout is a terminal.
func colorEnabled(mode string, e env) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return e.getenv("NO_COLOR") == "" && e.isTerminal(e.stdout), nil
	default:
		return false, usageError("--color %q: want auto, always or never", mode)
	}
}
