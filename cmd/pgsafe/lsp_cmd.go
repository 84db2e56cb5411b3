package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/config"
	"github.com/pgsafe/pgsafe/internal/estimate"
	"github.com/pgsafe/pgsafe/internal/lint"
	"github.com/pgsafe/pgsafe/internal/lsp"
	"github.com/pgsafe/pgsafe/internal/source"
	"github.com/pgsafe/pgsafe/internal/sqlparse"
)

func lspCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "lsp",
		Usage: "run the language server that editors start: diagnostics, quick fixes and hovers over LSP",
		Description: "pgsafe lsp speaks the Language Server Protocol on standard input and output; editors start it.\n" +
			"It lints the migration set around each open .sql file with the settings pgsafe lint would use\n" +
			"(the nearest .pgsafe.toml), and the SQL in the open Go files of the config's code globs,\n" +
			"and logs to standard error. See docs/lsp.md.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "stdio", Usage: "talk over standard input and output (the only transport; accepted because editors pass it)"},
			&cli.DurationFlag{Name: "debounce", Usage: "wait `DURATION` after a change before checking (the client's initializationOptions.debounceMs wins)", Value: lsp.DefaultDebounce},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usageError("lsp takes no arguments (got %q)", c.Args().First())
			}
			go sqlparse.Warm()
			err := lsp.Serve(c.Context, e.stdin, e.stdout, lsp.Options{
				Resolve:  lspResolver(c, e),
				Log:      e.stderr,
				Version:  e.version,
				Debounce: c.Duration("debounce"),
			})
			switch {
			case err == nil:
				return nil
			case errors.Is(err, lsp.ErrNoShutdown):
				return &exitError{code: 1}
			case errors.Is(err, context.Canceled):
				return interrupted()
			default:
				return &exitError{code: exitUsage, err: fmt.Errorf("lsp: %w", err)}
			}
		},
	}
}

// lspResolver returns the language server's settings of a migration
// set: those pgsafe lint would resolve from its config when run from the
// set's root folder (the server has no lint flags of its own).
func lspResolver(c *cli.Context, e env) lsp.Resolver {
	return func(ctx context.Context, root string, cfg *config.Config) (*lsp.Settings, error) {
		re := e
		re.workdir = root
		re.stdin = nil
		s, err := resolveConfig(c, re, cfg)
		if err != nil {
			return nil, unwrapExit(err)
		}
		// The config's queries and code globs are taken from the set's
		// root, not from the server's working folder.
		for _, paths := range [][]string{s.schema.queries, s.schema.code} {
			for i, p := range paths {
				if p != "-" {
					paths[i] = absPath(p, root)
				}
			}
		}
		loadErrs, err := s.loadSchemaInputs(ctx, re)
		if err != nil {
			return nil, unwrapExit(err)
		}
		for _, err := range loadErrs {
			fmt.Fprintf(e.stderr, "pgsafe lsp: %v\n", err)
		}
		est, err := estimateOptions(c, re, s.cfg)
		if err != nil {
			return nil, unwrapExit(err)
		}
		var finish func(*lint.Result)
		if est != nil {
			finish = func(res *lint.Result) { estimate.Apply(res, *est) }
		}
		return &lsp.Settings{
			Code:      len(s.schema.code) > 0,
			CodeFiles: s.codeFiles,
			Finish:    finish,
			Lint:      s.lint,
			Source:    s.source,
			Prepare: func(ctx context.Context, files []source.File) (lint.Options, error) {
				if _, err := applyReleases(ctx, re, s, nil, "", files); err != nil {
					return lint.Options{}, unwrapExit(err)
				}
				return s.lint, nil
			},
		}, nil
	}
}

// unwrapExit returns the error an exitError carries, for messages that
// are not a command's exit.
func unwrapExit(err error) error {
	var ee *exitError
	if errors.As(err, &ee) && ee.err != nil {
		return ee.err
	}
	return err
}
