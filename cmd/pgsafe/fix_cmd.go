package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/gitdiff"
	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/internal/verify"
	"github.com/pgsafe/pgsafe/rewrite"
)

func fixCommand(e env) *cli.Command {
	flags := append(commonFlags(),
		&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "apply the rewrites to the files (atomically); without it, only show the diff"},
		&cli.BoolFlag{Name: "check", Usage: "exit 1 if any file would change (for CI and pre-commit)"},
		&cli.BoolFlag{Name: "unsafe-fixes", Usage: "also apply unsafe fixes (they change atomicity or timing, e.g. batched backfills)"},
		&cli.BoolFlag{Name: "show-skipped", Usage: "list each fix that was not applied, with its place and reason (by default they are counted per rule)"},
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "report `FORMAT`: text or json", Value: "text"},
		&cli.StringFlag{Name: "color", Usage: "colour the diff: auto, always or never", Value: "auto"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only errors: no diff and no summary (the fixed SQL of fix - is still written)"},
		&cli.StringFlag{Name: "changed-since", Usage: "fix only files added or changed since the git `REF` (earlier files are still read for context)"},
		&cli.BoolFlag{Name: "verify", Usage: "prove the rewrite on PostgreSQL: apply the original and the rewritten migrations to two fresh databases, compare the schemas and the locks; exit 1 when the proof fails (with --write, write only when it passes)"},
		&cli.IntFlag{Name: "seed-rows", Usage: "with --verify, fill each table with `N` generated rows before the migrations that follow its creation, and measure how long writes to the touched tables wait"},
		htmlFlag("each run of --verify, with the stalls of the writes that --seed-rows measures,"),
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
			case !verifying && c.IsSet("html"):
				return usageError("--html goes with --verify")
			case c.Int("seed-rows") < 0:
				return usageError("--seed-rows %d: want a number of rows, 0 or more", c.Int("seed-rows"))
			default:
			}
			if err := checkHTMLPath(c, e); err != nil {
				return err
			}
			files, loadErrs, err := source.LoadContext(c.Context, c.Args().Slice(), s.source)
			if err != nil {
				return interrupted()
			}
			if err := checkConfigs(c, s.cfg, files, e); err != nil {
				return err
			}
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
				ch, err := gitdiff.Since(c.Context, e.workdir, c.String("changed-since"))
				if err != nil {
					return usageError("--changed-since: %v", err)
				}
				fo.Only = ch.Contains
			}
			res, err := interruptible(c.Context, func() (*rewrite.Result, error) {
				return rewrite.FixContext(c.Context, files, s.lint, fo)
			})
			if c.Err() != nil {
				return interrupted()
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			problems := len(loadErrs) + reportSyntaxErrors(e, res)
			if stdinMode && len(res.Files) > 0 {
				if _, err := io.WriteString(e.stdout, res.Files[0].Fixed); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				for _, f := range res.Files[1:] {
					fmt.Fprintf(e.stderr, "pgsafe: the fixes also create %s, which stdin mode cannot write; run pgsafe fix on the file instead\n", f.Path)
				}
				return fixExit(c, res, problems)
			}
			write := c.Bool("write")
			var writeErr error
			if write && !verifying {
				// Written before the report, so that the report says
				// which files were written.
				writeErr = res.Write(c.Context)
			}
			switch {
			case verifying && format == "json":
				// One document with the proof, after it.
			case format == "json":
				err = rewrite.JSON(e.stdout, res)
			case c.Bool("quiet"):
			default:
				err = rewrite.Text(e.stdout, res, rewrite.ReportOptions{Color: colorOn, Wrote: write && !verifying, ShowSkipped: c.Bool("show-skipped")})
			}
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			if verifying {
				rep, err := verifyFix(c, e, s, res)
				if err != nil {
					return err
				}
				if rep.OK() && write {
					writeErr = res.Write(c.Context)
				}
				if err := renderVerify(e, format, res, rep, write); err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				if err := writeTimeline(c, e, rep.Where, verifyTimeline(rep)); err != nil {
					return err
				}
				if !rep.OK() {
					if write {
						fmt.Fprintln(e.stderr, "pgsafe: the proof failed: nothing was written")
					}
					return &exitError{code: exitFindings}
				}
			}
			if writeErr != nil {
				return writeFailed(c, e, format, res, writeErr)
			}
			return fixExit(c, res, problems)
		},
	}
}

// reportSyntaxErrors prints, as lint places them, the syntax errors of
// the files that fix leaves unfixed because they do not parse, and
// returns how many there are.
func reportSyntaxErrors(e env, res *rewrite.Result) int {
	n := 0
	for _, f := range res.Files {
		if f.Syntax == nil {
			continue
		}
		n++
		pos := sqlparse.NewLines(f.Original).Position(f.Syntax.Offset)
		fmt.Fprintf(e.stderr, "pgsafe: %s:%d:%d: %s (the file is not fixed; pgsafe lint shows the line)\n", f.Path, pos.Line, pos.Column, f.Syntax.Message)
	}
	return n
}

// writeFailed ends a run in which some files could not be written: the
// text report lists them; in JSON, each is also said on standard error.
func writeFailed(c *cli.Context, e env, format string, res *rewrite.Result, err error) error {
	if c.Err() != nil {
		return interrupted()
	}
	if format == "json" {
		for _, f := range res.Files {
			if f.WriteErr != nil && !f.Written {
				fmt.Fprintf(e.stderr, "pgsafe: %s: not written: %v\n", f.Path, f.WriteErr)
			}
		}
	}
	return &exitError{code: exitUsage, err: err}
}

// fixExit returns the exit of a run that wrote what it had to: 2 when
// some inputs could not be read or do not parse (problems counts them),
// 1 with --check when a file would change.
func fixExit(c *cli.Context, res *rewrite.Result, problems int) error {
	if problems > 0 {
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
// --database-url names on the command line, or on an ephemeral cluster
// for each run, both starting from the schema of --schema or
// --database-url.
func verifyFix(c *cli.Context, e env, s *settings, res *rewrite.Result) (*verify.Report, error) {
	original, rewritten, targets := verify.FromFix(res, s.lint)
	schema, err := s.startingSchemaSQL(c.Context, e, true)
	if err != nil {
		return nil, err
	}
	opts := verify.Options{SeedRows: c.Int("seed-rows"), Targets: targets, Schema: schema, Rollback: !s.lint.SkipDown}
	if c.IsSet("pg-version") {
		opts.PGVersion = s.lint.Rule.PGVersion
	}
	srv, err := namedServer(c)
	if err != nil {
		return nil, err
	}
	where := ""
	if srv != nil {
		where = srv.where
		opts.AdminURL = c.String("database-url")
		fmt.Fprintf(e.stderr, "pgsafe: verifying on the server %s: two databases are created there and dropped afterwards\n", strings.TrimPrefix(srv.where, "at "))
	} else {
		// A cluster for each run: what one creates in the whole cluster
		// (roles, tablespaces) must not be there for the other.
		clusters, err := verify.StartClusters(c.Context, 2, func(cl *pgcluster.Cluster) { announceCluster(e, cl) })
		if err != nil {
			return nil, clusterError(err)
		}
		defer func() {
			if err := clusters.Stop(); err != nil {
				fmt.Fprintf(e.stderr, "pgsafe: stopping the ephemeral PostgreSQL clusters: %v\n", err)
			}
		}()
		where = "an ephemeral cluster for each run"
		opts.Servers, opts.PgDump = clusters.Server, clusters.PgDump()
	}
	rep, err := verify.Run(c.Context, original, rewritten, opts)
	if err != nil {
		return nil, runError(c.Context, err)
	}
	rep.Where = where
	return rep, nil
}

// verifyTimeline returns the runs of a verification for a timeline.
func verifyTimeline(rep *verify.Report) []timeline.Run {
	var runs []timeline.Run
	for _, r := range rep.Runs {
		runs = append(runs, timeline.Run{Name: r.Name, Trace: r.Trace})
	}
	return runs
}

// renderVerify writes the verification report: in text, after the fix
// report, followed with write by what was written; in JSON, one document
// with the fix report and the verification.
func renderVerify(e env, format string, res *rewrite.Result, rep *verify.Report, write bool) error {
	if format != "json" {
		fmt.Fprintln(e.stdout)
		if err := verify.Text(e.stdout, rep, verify.TextOptions{NoTiming: e.getenv("PGSAFE_NO_TIMING") != ""}); err != nil {
			return err
		}
		if write && rep.OK() {
			fmt.Fprintln(e.stdout)
			return rewrite.WriteSummary(e.stdout, res)
		}
		return nil
	}
	var fixJSON bytes.Buffer
	if err := rewrite.JSON(&fixJSON, res); err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Fix    json.RawMessage `json:"fix"`
		Verify *verify.Report  `json:"verify"`
	}{json.RawMessage(bytes.TrimSpace(fixJSON.Bytes())), rep})
}
