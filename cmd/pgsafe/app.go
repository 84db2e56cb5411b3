package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit codes.
const (
	exitOK       = 0 // no finding at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage, config or I/O errors
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// usageError wraps err as an exit-2 error.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// env holds what a run reads from outside: streams and the environment.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// workdir is the absolute folder that .pgsafe.toml is searched from.
	workdir string
	// isTerminal reports whether a writer is a terminal, for --color=auto.
	isTerminal func(io.Writer) bool
	// version is pgsafe's version, for the reports that name it; "" leaves
	// it out.
	version string
	// build is what the toolchain recorded about the binary, for
	// pgsafe version.
	build buildInfo
}

// run builds the app and runs it with args, returning the exit code.
// Ctrl-C (SIGINT) and SIGTERM cancel the run's context, so that commands
// that start a PostgreSQL cluster stop and remove it before exiting.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runEnv(ctx, args, newEnv(stdin, stdout, stderr))
}

func runEnv(ctx context.Context, args []string, e env) int {
	app := newApp(e)
	err := app.RunContext(ctx, reorderArgs(app, args))
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(e.stderr, "pgsafe: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(e.stderr, "pgsafe: %v\n", err)
	return exitUsage
}

func newApp(e env) *cli.App {
	// The help flag is listed here because urfave/cli adds it only when
	// the app has no help command of its own.
	flags := []cli.Flag{
		&cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print pgsafe's version and the revision it was built from"},
		cli.HelpFlag,
	}
	return &cli.App{
		Name:            "pgsafe",
		Usage:           "find lock hazards in PostgreSQL migrations and rewrite them into lock-safe equivalents",
		Reader:          e.stdin,
		Writer:          e.stdout,
		ErrWriter:       e.stderr,
		HideHelpCommand: true,
		HideVersion:     true,
		ExitErrHandler:  func(*cli.Context, error) {},
		Flags:           flags,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return flagUsageError(err, "pgsafe", flags)
		},
		Commands: commands(e),
		// Without a command, print the help (or the version, with
		// --version); with an unknown one, say so.
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return unknownCommand("pgsafe", c.Args().First(), c.App.Commands)
			}
			if c.Bool("version") {
				_, err := fmt.Fprintln(e.stdout, e.build)
				return err
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// commands returns the app's commands, each reporting a usage error (an
// unknown flag, say) as an exit-2 error on stderr rather than printing its
// help to stdout.
func commands(e env) []*cli.Command {
	cmds := []*cli.Command{
		lintCommand(e),
		fixCommand(e),
		baselineCommand(e),
		planCommand(e),
		hookCommand(e),
		traceCommand(e),
		statsCommand(e),
		calibrateCommand(e),
		rulesCommand(e),
		explainCommand(e),
		initCommand(e),
		lspCommand(e),
		completionCommand(e),
		versionCommand(e),
		helpCommand(),
	}
	for _, c := range cmds {
		reportUsageErrors(c, "pgsafe "+c.Name)
	}
	return cmds
}

// reportUsageErrors makes c and its subcommands report a usage error as
// an exit-2 error that points at the help of the command line named.
func reportUsageErrors(c *cli.Command, name string) {
	c.HideHelpCommand = true
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return flagUsageError(err, name, c.Flags)
	}
	for _, sub := range c.Subcommands {
		reportUsageErrors(sub, name+" "+sub.Name)
	}
}
