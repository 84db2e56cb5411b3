package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/timeline"
	"github.com/pgsafe/pgsafe/rewrite"
)

// htmlFlag is the --html flag of trace and fix --verify.
func htmlFlag(what string) cli.Flag {
	return &cli.StringFlag{Name: "html", Usage: "also write a self-contained HTML page with the lock timeline of " + what + " to `FILE` (atomically)"}
}

// checkHTMLPath refuses, before anything runs, an --html path whose
// folder does not exist or that names a folder.
func checkHTMLPath(c *cli.Context, e env) error {
	path := c.String("html")
	if !c.IsSet("html") {
		return nil
	}
	if path == "" {
		return usageError("--html: want a file name")
	}
	abs := absPath(path, e.workdir)
	if info, err := os.Stat(filepath.Dir(abs)); err != nil || !info.IsDir() {
		return usageError("--html %s: the folder %s does not exist", path, filepath.Dir(path))
	}
	if info, err := os.Stat(abs); err == nil && info.IsDir() {
		return usageError("--html %s: is a folder", path)
	}
	return nil
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
