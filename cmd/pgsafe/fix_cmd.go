package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/rewrite"
)

func fixCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "apply the rewrites to the files (atomically); without it, only show the diff"},
		&cli.BoolFlag{Name: "check", Usage: "exit 1 if any file would change (for CI and pre-commit)"},
		&cli.BoolFlag{Name: "unsafe-fixes", Usage: "also apply unsafe fixes (they change atomicity or timing, e.g. batched backfills)"},
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "report `FORMAT`: text or json", Value: "text"},
		&cli.StringFlag{Name: "color", Usage: "colour the diff: auto, always or never", Value: "auto"},
		&cli.StringFlag{Name: "changed-since", Usage: "fix only files added or changed since the git `REF` (earlier files are still read for context)"},
	)
	return &cli.Command{
		Name:      "fix",
		Usage:     "rewrite hazardous migrations into lock-safe equivalents and show the diff",
		ArgsUsage: "PATH... (files, folders, globs, or - to fix stdin to stdout)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return usageError("fix needs at least one PATH (a file, folder, glob, or - for stdin)")
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
			for _, le := range loadErrs {
				fmt.Fprintf(e.stderr, "pgsafe: %v\n", le)
			}
			fo := rewrite.Options{Unsafe: c.Bool("unsafe-fixes")}
			if c.IsSet("changed-since") {
				ch, err := gitdiff.Since(context.Background(), e.workdir, c.String("changed-since"))
				if err != nil {
					return usageError("--changed-since: %v", err)
				}
				fo.Only = ch.Contains
			}
			res, err := rewrite.Fix(files, s.lint, fo)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			stdinMode := c.NArg() == 1 && c.Args().First() == "-"
			switch {
			case stdinMode && len(res.Files) > 0:
				if _, err := io.WriteString(e.stdout, res.Files[0].Fixed); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				for _, f := range res.Files[1:] {
					fmt.Fprintf(e.stderr, "pgsafe: the fixes also create %s, which stdin mode cannot write; run pgsafe fix on the file instead\n", f.Path)
				}
				return fixExit(c, res, loadErrs)
			case format == "json":
				err = rewrite.JSON(e.stdout, res)
			default:
				err = rewrite.Text(e.stdout, res, rewrite.ReportOptions{Color: colorOn, Wrote: c.Bool("write")})
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if c.Bool("write") {
				if err := writeFixed(res); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
			}
			return fixExit(c, res, loadErrs)
		},
	}
}

// writeFixed writes every changed or created file atomically.
func writeFixed(res *rewrite.Result) error {
	for _, f := range res.Files {
		if !f.Changed() || f.SyntaxError {
			continue
		}
		if f.Created {
			if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
				return err
			}
		}
		if err := rewrite.WriteAtomic(f.Path, []byte(f.Fixed)); err != nil {
			return fmt.Errorf("writing %s: %w (the file is unchanged)", f.Path, err)
		}
	}
	return nil
}

func fixExit(c *cli.Context, res *rewrite.Result, loadErrs []error) error {
	if len(loadErrs) > 0 {
		return &exitError{code: exitUsage}
	}
	if c.Bool("check") {
		for _, f := range res.Files {
			if f.Changed() {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}
