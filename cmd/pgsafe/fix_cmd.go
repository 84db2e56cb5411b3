package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/verify"
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
		&cli.BoolFlag{Name: "verify", Usage: "prove the rewrite on PostgreSQL: apply the original and the rewritten migrations to two fresh databases, compare the schemas and the locks; exit 1 when the proof fails (with --write, write only when it passes)"},
		&cli.IntFlag{Name: "seed-rows", Usage: "with --verify, fill each table with `N` generated rows before the migrations that follow its creation, and measure how long writes to the touched tables wait"},
	)
	return &cli.Command{
		Name:      "fix",
		Usage:     "rewrite hazardous migrations into lock-safe equivalents and show the diff",
		ArgsUsage: "PATH... (files, folders, globs, or - to fix stdin to stdout)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			s, err := begin(c, e, "text", "json")
			if err != nil {
				return err
			}
			format := c.String("format")
			colorOn, err := colorEnabled(c.String("color"), e)
			if err != nil {
				return err
			}
			stdinMode := c.NArg() == 1 && c.Args().First() == "-"
			verifying := c.Bool("verify")
			switch {
			case verifying && stdinMode:
				return usageError("--verify runs migration files: name them instead of -")
			case !verifying && c.IsSet("seed-rows"):
				return usageError("--seed-rows goes with --verify")
			case c.Int("seed-rows") < 0:
				return usageError("--seed-rows %d: want a number of rows, 0 or more", c.Int("seed-rows"))
			default:
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
			var fixJSON bytes.Buffer
			switch {
			case stdinMode && len(res.Files) > 0:
				if _, err := io.WriteString(e.stdout, res.Files[0].Fixed); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				for _, f := range res.Files[1:] {
					fmt.Fprintf(e.stderr, "pgsafe: the fixes also create %s, which stdin mode cannot write; run pgsafe fix on the file instead\n", f.Path)
				}
				return fixExit(c, res, loadErrs)
			case format == "json" && verifying:
				err = rewrite.JSON(&fixJSON, res)
			case format == "json":
				err = rewrite.JSON(e.stdout, res)
			default:
				err = rewrite.Text(e.stdout, res, rewrite.ReportOptions{Color: colorOn, Wrote: c.Bool("write")})
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if verifying {
				rep, err := verifyFix(c, e, s, res)
				if err != nil {
					return err
				}
				if err := renderVerify(e, format, fixJSON.Bytes(), rep); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if !rep.OK() {
					if c.Bool("write") {
						fmt.Fprintln(e.stderr, "pgsafe: the proof failed: nothing was written")
					}
					return &exitError{code: exitFindings}
				}
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

// verifyFix proves the rewrite in res on PostgreSQL: on the server that
// --database-url names on the command line, or on an ephemeral cluster,
// both starting from the schema of --schema or --database-url.
func verifyFix(c *cli.Context, e env, s *settings, res *rewrite.Result) (*verify.Report, error) {
	original, rewritten, targets := verify.FromFix(res, s.lint)
	schema, err := s.startingSchemaSQL(c.Context, e, true)
	if err != nil {
		return nil, err
	}
	srv, err := openServer(c.Context, c, e)
	if err != nil {
		return nil, err
	}
	defer srv.close(e)
	if srv.named {
		fmt.Fprintf(e.stderr, "pgsafe: verifying on the server %s: two databases are created there and dropped afterwards\n", strings.TrimPrefix(srv.where, "at "))
	}
	opts := verify.Options{AdminURL: srv.url, SeedRows: c.Int("seed-rows"), Targets: targets, Schema: schema}
	if c.IsSet("pg-version") {
		opts.PGVersion = s.lint.Rule.PGVersion
	}
	if srv.cluster != nil {
		if p := srv.cluster.Bin("pg_dump"); isFile(p) {
			opts.PgDump = p
		}
	}
	rep, err := verify.Run(c.Context, original, rewritten, opts)
	if err != nil {
		return nil, runError(c.Context, err)
	}
	rep.Where = srv.where
	return rep, nil
}

// renderVerify writes the verification report: in JSON, one document
// with the fix report (fixJSON) and the verification.
func renderVerify(e env, format string, fixJSON []byte, rep *verify.Report) error {
	if format != "json" {
		fmt.Fprintln(e.stdout)
		return verify.Text(e.stdout, rep, verify.TextOptions{NoTiming: e.getenv("PGSAFE_NO_TIMING") != ""})
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Fix    json.RawMessage `json:"fix"`
		Verify *verify.Report  `json:"verify"`
	}{json.RawMessage(bytes.TrimSpace(fixJSON)), rep})
}
