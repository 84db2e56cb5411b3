package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

// readmeCommand is the example run that README.md shows with its output.
const readmeCommand = "$ go run ./cmd/pgsafe lint fixtures/examples/goose\n"

// reTiming matches the time taken at the end of the summary line.
var reTiming = regexp.MustCompile(`(?m) \(\d+\.\d+s\)$`)

// TestREADMEExample checks that the output pasted in README.md is what
// the example run prints today, timings aside. With -update it pastes a
// fresh run.
func TestREADMEExample(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	readmePath := filepath.Join(root, "README.md")
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	readme := string(b)
	start := strings.Index(readme, readmeCommand)
	require.NotEqual(t, -1, start, "README.md has no %q block", strings.TrimSpace(readmeCommand))
	start += len(readmeCommand)
	end := strings.Index(readme[start:], "```")
	require.NotEqual(t, -1, end, "the README block is not closed")
	end += start

	t.Chdir(root)
	runExample := func(noTiming bool) string {
		var stdout, stderr bytes.Buffer
		vars := map[string]string{}
		if noTiming {
			vars["PGSAFE_NO_TIMING"] = "1"
		}
		runEnv([]string{"pgsafe", "lint", "fixtures/examples/goose"}, env{
			stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
			getenv: func(k string) string { return vars[k] }, workdir: root,
			isTerminal: func(io.Writer) bool { return false },
		})
		require.Empty(t, stderr.String())
		return stdout.String()
	}
	if *update {
		fresh := readme[:start] + runExample(false) + readme[end:]
		require.NoError(t, os.WriteFile(readmePath, []byte(fresh), 0o644))
		return
	}
	assert.Equal(t, runExample(true), reTiming.ReplaceAllString(readme[start:end], ""),
		"README.md shows stale output; run `go test ./cmd/pgsafe -update`")
}

// TestEveryFlagDocumented checks that docs/cli.md names every command and
// subcommand, and every flag of each.
func TestEveryFlagDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	require.NoError(t, err)
	doc := string(b)
	app := newApp(env{getenv: func(string) string { return "" }, isTerminal: func(io.Writer) bool { return false }})
	var check func(c *cli.Command, name string)
	check = func(c *cli.Command, name string) {
		assert.Contains(t, doc, name, "docs/cli.md documents the %s command", name)
		for _, f := range c.Flags {
			for _, flag := range f.Names() {
				if flag == "help" || flag == "h" {
					continue
				}
				dash := "--"
				if len(flag) == 1 {
					dash = "-"
				}
				assert.Contains(t, doc, "`"+dash+flag, "docs/cli.md documents %s %s%s", name, dash, flag)
			}
		}
		for _, sub := range c.Subcommands {
			check(sub, name+" "+sub.Name)
		}
	}
	for _, c := range app.Commands {
		check(c, "pgsafe "+c.Name)
	}
}
