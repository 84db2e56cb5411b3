package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/apply"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/migration"
	"github.com/pgsafe/pgsafe/internal/schemadiff"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/internal/trace"
	"github.com/pgsafe/pgsafe/internal/workload"
)

func traceCommand(e env) *cli.Command {
	flags := append(readFlags(),
		databaseURLFlag("run on the database at `URL`, inside one transaction that is rolled back, instead of on an ephemeral cluster"),
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "output `FORMAT`: text or json", Value: "text"},
		&cli.IntFlag{Name: "seed-rows", Usage: "fill each table with `N` generated rows before the migrations that follow its creation, and measure how long single-row writes to the tables the migrations lock wait (ephemeral cluster only)"},
		htmlFlag("the run, with the stalls of the writes that --seed-rows measures,"),
	)
	return &cli.Command{
		Name:      "trace",
		Usage:     "run migrations on a real PostgreSQL and record each statement's locks, rewrites and duration",
		ArgsUsage: "PATH... (files, folders, globs, or - for stdin)",
		Flags:     flags,
		Action: func(c *cli.Context) error {
			s, err := begin(c, e, "text", "json")
			if err != nil {
				return err
			}
			format := c.String("format")
			if err := checkHTMLPath(c, e); err != nil {
				return err
			}
			seedRows := c.Int("seed-rows")
			switch {
			case seedRows < 0:
				return usageError("--seed-rows %d: want a number of rows, 0 or more", seedRows)
			case seedRows > 0 && c.IsSet("database-url"):
				return usageError("--seed-rows fills tables with generated rows, which would stay in the database --database-url names: it goes with the ephemeral cluster only")
			}
			files, err := loadMigrations(c, e, s)
			if err != nil {
				return err
			}
			schema, err := s.startingSchemaSQL(c.Context, e, false)
			if err != nil {
				return err
			}
			srv, err := openServer(c.Context, c, e)
			if err != nil {
				return err
			}
			defer srv.close(e)
			if srv.named {
				warnNamedDatabase(e, srv)
			} else if schema != "" {
				if err := schemadiff.Load(c.Context, srv.target, schema); err != nil {
					return runError(c.Context, err)
				}
			}
			opts := trace.Options{Rollback: srv.named}
			if c.IsSet("pg-version") {
				opts.PGVersion = s.lint.Rule.PGVersion
			}
			load := workload.Options{Rows: seedRows}
			if seedRows > 0 {
				load.Tables = workload.Tables(s.lint.Rule.PGVersion, files)
			}
			res, runErr := workload.Trace(c.Context, srv.target, files, opts, load)
			if res != nil {
				if opts.PGVersion != 0 && opts.PGVersion != res.ServerMajor {
					fmt.Fprintf(e.stderr, "pgsafe: the model is asked about PostgreSQL %d and the server runs %d: locks that differ between the versions show as mismatches\n", opts.PGVersion, res.ServerMajor)
				}
				var err error
				if format == "json" {
					err = trace.JSON(e.stdout, res)
				} else {
					err = trace.Text(e.stdout, res, trace.TextOptions{Where: srv.where, NoTiming: e.getenv("PGSAFE_NO_TIMING") != ""})
				}
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				// Also after a failure: the page shows the statements
				// up to the one that failed.
				if err := writeTimeline(c, e, srv.where, []timeline.Run{{Trace: res}}); err != nil {
					return err
				}
			}
			return runError(c.Context, runErr)
		},
	}
}

// readFlags are the flags of commonFlags that say how to read migrations
// and the schema they start from (--schema), for the commands that run
// them rather than lint them. They leave out the rule selection and the
// application's queries; --database-url names the database the
// migrations run on instead.
func readFlags() []cli.Flag {
	var out []cli.Flag
	for _, f := range commonFlags() {
		switch f.Names()[0] {
		case "select", "ignore", "skip-down", "queries", "code", "database-url":
		default:
			out = append(out, f)
		}
	}
	return out
}

// loadMigrations reads the PATH arguments as migrations with their parse
// trees, down migrations left out. A path that cannot be read or a file
// that does not parse is a usage error: the rest would run out of order.
func loadMigrations(c *cli.Context, e env, s *settings) ([]*migration.File, error) {
	srcs, loadErrs, err := source.LoadContext(c.Context, c.Args().Slice(), s.source)
	if err != nil {
		return nil, interrupted()
	}
	if err := checkConfigs(c, s.cfg, srcs, e); err != nil {
		return nil, err
	}
	for _, le := range loadErrs {
		fmt.Fprintf(e.stderr, "pgsafe: %v\n", le)
	}
	if len(loadErrs) > 0 {
		return nil, &exitError{code: exitUsage}
	}
	files := s.readMigrations(srcs, nil)
	if len(files) == 0 {
		return nil, usageError("no up migration among the paths")
	}
	for _, f := range files {
		if f.SyntaxError != nil {
			return nil, usageError("%s:%d: %s: fix it first (pgsafe lint shows it)", f.Path, f.Lines.Position(f.SyntaxError.Offset).Line, f.SyntaxError.Message)
		}
	}
	return files, nil
}

// readMigrations reads srcs as migrations that run, with their parse
// trees and without the down migrations, and without running the rules.
// overlay holds companion files that take the place of those on disk.
func (s *settings) readMigrations(srcs []source.File, overlay map[string]string) []*migration.File {
	return lint.Run(srcs, lint.Options{
		Known: s.lint.Known, KeepTrees: true, SkipDown: true,
		Tools: s.lint.Tools, Rule: s.lint.Rule, Overlay: overlay,
	}).Files
}

// warnNamedDatabase says loudly what a run on the user's database does.
func warnNamedDatabase(e env, srv *server) {
	lines := []string{
		"WARNING: the migrations run for real on the database " + strings.TrimPrefix(srv.where, "at ") + ".",
		"WARNING: they run in one transaction that is rolled back at the end, and their locks are held",
		"WARNING: until then: other sessions using those tables wait. Use a copy, never a database in use.",
		"WARNING: statements that cannot run in a transaction block (CONCURRENTLY, VACUUM, ...) and the",
		"WARNING: files' own BEGIN and COMMIT are not run; sequences the migrations advance stay advanced.",
	}
	for _, l := range lines {
		fmt.Fprintln(e.stderr, "pgsafe: "+l)
	}
}

// runError turns the error that ended a run into the command's exit: a
// migration that failed exits 1, an interruption or a connection failure
// exits 2.
func runError(ctx context.Context, err error) error {
	var ae *apply.Error
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return &exitError{code: exitUsage, err: errors.New("interrupted")}
	case errors.As(err, &ae):
		return &exitError{code: exitFindings, err: fmt.Errorf("the migration failed: %w", err)}
	default:
		return &exitError{code: exitUsage, err: err}
	}
}
