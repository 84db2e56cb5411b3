package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/githook"
)

func hookCommand(e env) *cli.Command {
	return &cli.Command{
		Name:  "hook",
		Usage: "install a plain git pre-commit hook that lints the staged migrations",
		// Without a subcommand, print the help; with an unknown one, say so.
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownCommand("pgsafe hook", c.Args().First(), c.Command.Subcommands)
			}
			return cli.ShowSubcommandHelp(c)
		},
		Subcommands: []*cli.Command{{
			Name:  "install",
			Usage: "write the repository's pre-commit hook: pgsafe lint on the .sql files a commit adds or changes",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Usage: "replace a pre-commit hook that is already there"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() > 0 {
					return usageError("hook install takes no arguments")
				}
				path, err := githook.Install(context.Background(), e.workdir, c.Bool("force"))
				if rel, relErr := filepath.Rel(e.workdir, path); relErr == nil && path != "" {
					path = rel
				}
				if errors.Is(err, githook.ErrExists) {
					return usageError("%s already exists; pass --force to replace it (or call pgsafe lint from it yourself)", path)
				}
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				_, err = fmt.Fprintf(e.stdout, "pgsafe: installed %s; commits that add or change .sql files now run pgsafe lint on them\n", path)
				return err
			},
		}},
	}
}
