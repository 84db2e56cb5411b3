package main

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/rewrite"
)

// htmlFlag is the --html flag of trace and fix --verify.
func htmlFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "html", Usage: "also write a self-contained HTML page with the lock timeline of " + what + " to `FILE` (atomically)"}
}

// writeTimeline writes the lock timeline of runs to the file that --html
// names, if any, replacing it atomically once the whole page is
// rendered, and says so on standard error.
func writeTimeline(c *cli.Context, e env, where string, runs []timeline.Run) error {
	path := c.String("html")
	if path == "" {
		return nil
	}
	title := "pgsafe " + c.Command.Name
	if c.Command.Name == "fix" {
		title += " --verify"
	}
	if c.NArg() > 0 {
		title += " " + strings.Join(c.Args().Slice(), " ")
	}
	var b bytes.Buffer
	if err := timeline.HTML(&b, timeline.Page{Title: title, Where: where, Runs: runs}); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--html %s: %w", path, err)}
	}
	if err := rewrite.WriteAtomic(absPath(path, e.workdir), b.Bytes()); err != nil {
		return &exitError{code: exitUsage, err: fmt.Errorf("--html %s: %w", path, err)}
	}
	fmt.Fprintf(e.stderr, "pgsafe: lock timeline written to %s\n", path)
	return nil
}
