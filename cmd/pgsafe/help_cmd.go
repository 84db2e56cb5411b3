package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// helpCommand returns `pgsafe help [COMMAND [SUBCOMMAND]]`, which prints
// what `pgsafe [COMMAND [SUBCOMMAND]] --help` prints.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Usage:     "print the help of pgsafe or of a command",
		ArgsUsage: "[COMMAND [SUBCOMMAND]]",
		Action: func(c *cli.Context) error {
			args := c.Args().Slice()
			if len(args) == 0 {
				return cli.ShowAppHelp(c)
			}
			parent, cmds := "pgsafe", c.App.Commands
			for _, name := range args {
				cmd := findCommand(cmds, name)
				if cmd == nil {
					if len(cmds) == 0 {
						return usageError("%s has no subcommands (see `%s --help`)", parent, parent)
					}
					return unknownCommand(parent, name, cmds)
				}
				parent, cmds = parent+" "+cmd.Name, cmd.Subcommands
			}
			return c.App.RunContext(c.Context, append(strings.Fields(parent), "--help"))
		},
	}
}
