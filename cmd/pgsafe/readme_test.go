package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/pgsafe/pgsafe/internal/pgcluster"
	"github.com/pgsafe/pgsafe/internal/pgtest"
	"github.com/pgsafe/pgsafe/internal/testenv"
)

// readmeExamples are the runs that README.md shows with their output:
// each block starts with the command line and ends at the closing fence.
var readmeExamples = [][]string{
	{"lint", "fixtures/examples/goose"},
	{"fix", "fixtures/examples/goose"},
	{"fix", "--unsafe-fixes", "fixtures/examples/move"},
	{"plan", "fixtures/examples/expand-contract"},
	{"lint", "--code", "fixtures/examples/scan/internal/store", "fixtures/examples/scan/db"},
	{"lint", "--stats", "fixtures/examples/stats/stats.json", "fixtures/examples/stats/migrations"},
}

// reTiming matches the time taken at the end of the summary line.
var reTiming = regexp.MustCompile(`(?m) \(\d+\.\d+s\)$`)

// TestREADMEExample checks that the outputs pasted in README.md are what
// the example runs print today, timings aside. With -update it pastes
// fresh runs.
func TestREADMEExample(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	readmePath := filepath.Join(root, "README.md")
	b, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	readme := string(b)
	t.Chdir(root)
	for _, args := range readmeExamples {
		command := "$ go run ./cmd/pgsafe " + strings.Join(args, " ") + "\n"
		start := strings.Index(readme, command)
		require.NotEqual(t, -1, start, "README.md has no %q block", strings.TrimSpace(command))
		start += len(command)
		end := strings.Index(readme[start:], "```")
		require.NotEqual(t, -1, end, "the README block is not closed")
		end += start
		runExample := func(noTiming bool) string {
			var stdout, stderr bytes.Buffer
			vars := map[string]string{}
			if noTiming {
				vars["PGSAFE_NO_TIMING"] = "1"
			}
			runEnv(context.Background(), append([]string{"pgsafe"}, args...), env{
				stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
				getenv: func(k string) string { return vars[k] }, workdir: root,
				isTerminal: func(io.Writer) bool { return false },
			})
			require.Empty(t, stderr.String())
			return stdout.String()
		}
		if *update {
			readme = readme[:start] + runExample(false) + readme[end:]
			continue
		}
		assert.Equal(t, runExample(true), reTiming.ReplaceAllString(readme[start:end], ""),
			"README.md shows stale output for %q; run `go test ./cmd/pgsafe -update`", strings.TrimSpace(command))
	}
	if *update {
		require.NoError(t, os.WriteFile(readmePath, []byte(readme), 0o644))
	}
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

// proofExamples are the README's runs on PostgreSQL. Their output holds
// timings and the server's version, and the locks of a statement that
// runs alone are sampled, which can miss them; so the test checks that
// the pasted lines, timings and versions masked and spaces collapsed, are
// lines of a fresh run, leaving out the lines about such statements.
var proofExamples = []struct {
	command string   // the line that opens the README block
	args    []string // the same run
	// from is the line of the output that the README block starts at,
	// after a "..." line; "" when it shows all of it.
	from string
	// lightArgs, when set, is a faster run that the test makes unless
	// the heavy tests run (testenv); light maps each README line to the
	// line that run prints instead, "" for a line it may not print.
	lightArgs []string
	light     func(line string) string
}{
	{command: "$ go run ./cmd/pgsafe trace fixtures/examples/goose\n", args: []string{"trace", "fixtures/examples/goose"}},
	{
		command: "$ go run ./cmd/pgsafe fix --verify --seed-rows 1000000 fixtures/examples/goose\n",
		args:    []string{"fix", "--verify", "--seed-rows", "1000000", "fixtures/examples/goose"}, from: "pgsafe fix --verify:",
		// A thousand rows: the same statements scan, in no time, so the
		// probe may get no write in.
		lightArgs: []string{"fix", "--verify", "--seed-rows", "1000", "fixtures/examples/goose"},
		light: func(line string) string {
			if strings.Contains(line, "longest single-row write") || strings.Contains(line, "blocked for") {
				return ""
			}
			return strings.ReplaceAll(line, "1000000 rows per table", "1000 rows per table")
		},
	},
}

var (
	reDuration = regexp.MustCompile(`\d+(\.\d+)? m?s\b`)
	reVersion  = regexp.MustCompile(`PostgreSQL \d+\.\d+`)
	reSpaces   = regexp.MustCompile(` +`)
	// reSampled matches the lines about statements whose locks are
	// sampled, and the count of statements listed without a lock.
	reSampled = regexp.MustCompile(`CONCURRENTLY|sampled|more statement\(s\)`)
)

// TestREADMEProofExamples runs the README's trace and fix --verify
// examples on an ephemeral cluster, as the README does, and compares their
// output with the pasted one; the million rows of fix --verify only with
// PGSAFE_HEAVY_TESTS=1, a thousand otherwise. With -update it pastes a
// fresh run.
func TestREADMEProofExamples(t *testing.T) {
	if _, err := pgcluster.FindBinDir(); err != nil {
		pgtest.Missing(t, err.Error())
	}
	root := repoRoot(t)
	readmePath := filepath.Join(root, "README.md")
	for _, ex := range proofExamples {
		t.Run(strings.Join(ex.args, " "), func(t *testing.T) {
			b, err := os.ReadFile(readmePath)
			require.NoError(t, err)
			readme := string(b)
			start := strings.Index(readme, ex.command)
			require.NotEqual(t, -1, start, "README.md has no %q block", strings.TrimSpace(ex.command))
			start += len(ex.command)
			end := strings.Index(readme[start:], "```")
			require.NotEqual(t, -1, end, "the README block is not closed")
			end += start

			args := ex.args
			light := ex.lightArgs != nil && !*update && !testenv.IsHeavy()
			if light {
				args = ex.lightArgs
			}
			code, stdout, stderr := runCLI(t, nil, args...)
			require.Equal(t, 0, code, stderr)
			if ex.from != "" {
				i := strings.Index(stdout, ex.from)
				require.NotEqual(t, -1, i, "the output has no %q line", ex.from)
				stdout = "...\n" + stdout[i:]
			}
			if *update {
				require.NoError(t, os.WriteFile(readmePath, []byte(readme[:start]+stdout+readme[end:]), 0o644))
				return
			}
			fresh := map[string]bool{}
			for _, l := range strings.Split(stdout, "\n") {
				fresh[masked(l)] = true
			}
			for _, l := range strings.Split(readme[start:end], "\n") {
				if reSampled.MatchString(l) {
					continue
				}
				if light {
					if l = ex.light(l); l == "" {
						continue
					}
				}
				assert.True(t, fresh[masked(l)], "README.md shows a line that a fresh run does not print (run `go test ./cmd/pgsafe -run README -update`):\n%s", l)
			}
		})
	}
}

// masked returns line with timings and versions masked and runs of spaces
// collapsed.
func masked(line string) string {
	line = reDuration.ReplaceAllString(line, "<time>")
	line = reVersion.ReplaceAllString(line, "PostgreSQL <version>")
	return strings.TrimSpace(reSpaces.ReplaceAllString(line, " "))
}
