package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// reorderArgs returns the command line args (args[0] is the program) with
// each command's flags moved in front of its positional arguments, so that
// `pgsafe lint db --format json` reads as `pgsafe lint --format json db`:
// urfave/cli, like Go's flag package, stops reading flags at the first
// positional argument, and every peer (ruff, golangci-lint, squawk)
// accepts flags after paths.
//
// The flags before the command name are the app's own and stay there. A
// command with subcommands is reordered from the subcommand its first
// positional argument names, and left as it is when it names none. After
// "--", every argument is positional: the result keeps "--" in front of
// them. A flag that takes a value keeps the next argument as its value
// unless it is written as --flag=value; an unknown flag is taken to take
// none, so that the parser reports it.
func reorderArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	i := 1
	for i < len(args) && isFlagArg(args[i]) {
		i++
	}
	if i == len(args) {
		return args
	}
	cmd := findCommand(app.Commands, args[i])
	if cmd == nil {
		return args
	}
	out := append([]string{}, args[:i+1]...)
	return append(out, reorderCommand(cmd, args[i+1:])...)
}

// reorderCommand reorders the arguments that follow cmd's name.
func reorderCommand(cmd *cli.Command, args []string) []string {
	if len(cmd.Subcommands) > 0 {
		for i, a := range args {
			if a == "--" {
				break
			}
			if isFlagArg(a) {
				continue
			}
			sub := findCommand(cmd.Subcommands, a)
			if sub == nil {
				return args
			}
			out := append([]string{}, args[:i+1]...)
			return append(out, reorderCommand(sub, args[i+1:])...)
		}
		return args
	}
	takes := valueFlags(cmd.Flags)
	var flags, positional []string
	dashdash := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			dashdash = true
			positional = append(positional, args[i+1:]...)
			i = len(args)
		case isFlagArg(a):
			flags = append(flags, a)
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(name, "=") && takes[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	if dashdash {
		flags = append(flags, "--")
	}
	return append(flags, positional...)
}

// isFlagArg reports whether a reads as a flag: it starts with "-" and is
// not "-" alone (standard input) or "--".
func isFlagArg(a string) bool {
	return len(a) > 1 && a[0] == '-' && a != "--"
}

// valueFlags returns the names (and aliases) of the flags that take a
// value.
func valueFlags(flags []cli.Flag) map[string]bool {
	out := map[string]bool{}
	for _, f := range flags {
		if !takesValue(f) {
			continue
		}
		for _, n := range f.Names() {
			out[n] = true
		}
	}
	return out
}

// takesValue reports whether f reads a value (--format json), as opposed
// to a boolean flag (--write).
func takesValue(f cli.Flag) bool {
	tv, ok := f.(interface{ TakesValue() bool })
	return ok && tv.TakesValue()
}

// findCommand returns the command among cmds named or aliased name, or nil.
func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}
