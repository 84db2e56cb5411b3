package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testApp() env {
	return env{getenv: func(string) string { return "" }, isTerminal: func(io.Writer) bool { return false }}
}

func TestReorderArgs(t *testing.T) {
	app := newApp(testApp())
	for _, tt := range []struct{ in, want string }{
		{"lint db --format json", "lint --format json db"},
		{"lint db -f json", "lint -f json db"},
		{"lint db --format=json", "lint --format=json db"},
		{"lint a.sql --select=PS001 b.sql", "lint --select=PS001 a.sql b.sql"},
		{"lint a.sql --select PS001 --select PS002 b.sql", "lint --select PS001 --select PS002 a.sql b.sql"},
		// A boolean flag takes no value: the path after it stays a path.
		{"fix db --write other", "fix --write db other"},
		{"fix --check - --stdin-filename x.sql", "fix --check --stdin-filename x.sql -"},
		// After --, everything is a path, flags-looking ones too; -- is
		// kept in front of them.
		{"lint db -- --format -x.sql", "lint -- db --format -x.sql"},
		{"lint --skip-down db -- -x.sql --quiet", "lint --skip-down -- db -x.sql --quiet"},
		// A value flag's value is taken even when it starts with a dash.
		{"lint db --stdin-filename -odd.sql", "lint --stdin-filename -odd.sql db"},
		// A value flag at the end has no value: left for the parser.
		{"lint db --format", "lint --format db"},
		// Unknown flags move in front too, so that the parser reports
		// them rather than reading them as paths.
		{"lint db --formt json", "lint --formt db json"},
		// The app's own flags stay before the command.
		{"--help lint db -q", "--help lint -q db"},
		// A subcommand's flags are its own.
		{"hook install --force", "hook install --force"},
		{"hook --help install", "hook --help install"},
		{"explain PS001 --help", "explain --help PS001"},
		// An unknown command is left alone, for its error.
		{"lnt db --format json", "lnt db --format json"},
		{"--version", "--version"},
		{"", ""},
	} {
		in := append([]string{"pgsafe"}, strings.Fields(tt.in)...)
		want := append([]string{"pgsafe"}, strings.Fields(tt.want)...)
		assert.Equal(t, want, reorderArgs(app, in), "pgsafe %s", tt.in)
	}
}

// runArgs runs pgsafe with args in a test environment.
func runArgs(t *testing.T, e env, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e.stdout, e.stderr = &out, &errOut
	if e.stdin == nil {
		e.stdin = strings.NewReader("")
	}
	if e.getenv == nil {
		e.getenv = func(string) string { return "" }
	}
	if e.isTerminal == nil {
		e.isTerminal = func(io.Writer) bool { return false }
	}
	code = runEnv(context.Background(), append([]string{"pgsafe"}, args...), e)
	return code, out.String(), errOut.String()
}

func TestFlagsAfterPathsTakeEffect(t *testing.T) {
	// The reordered line runs: json out, and the flag's value is not read
	// as a path.
	e := env{stdin: strings.NewReader("CREATE INDEX i ON t (c);\n"), workdir: t.TempDir()}
	code, stdout, stderr := runArgs(t, e, "lint", "-", "--format", "json", "--select=PS001")
	assert.Equal(t, exitFindings, code, stderr)
	assert.True(t, strings.HasPrefix(stdout, "{"), stdout)
	assert.Contains(t, stdout, `"code": "PS001"`)
	assert.NotContains(t, stdout, "PS040")
}

func TestSuggest(t *testing.T) {
	cmds := []string{"lint", "fix", "baseline", "hook", "trace", "rules", "explain", "init", "completion", "version", "help"}
	for _, tt := range []struct{ in, want string }{
		{"lnt", "lint"},
		{"lintt", "lint"},
		{"fxi", "fix"},
		{"vresion", "version"}, // two letters swapped
		{"comp", "completion"}, // a prefix of one command only
		{"rule", "rules"},
		{"migrate", ""},
		{"x", ""}, // one letter is too short to guess from
		{"", ""},
	} {
		assert.Equal(t, tt.want, suggest(tt.in, cmds), "suggest(%q)", tt.in)
	}
	// Flag names: a prefix of several is no suggestion by itself.
	flags := []string{"format", "fail-on", "framework"}
	assert.Equal(t, "format", suggest("formt", flags))
	assert.Equal(t, "fail-on", suggest("failon", flags))
	assert.Equal(t, "", suggest("f", flags))
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"lint", "lint", 0},
		{"lint", "lnt", 1},
		{"lint", "list", 1},
		{"version", "vresion", 1}, // a swap counts once
		{"kitten", "sitting", 3},
		{"", "abc", 3},
		{"été", "ete", 2}, // runes, not bytes
	} {
		assert.Equal(t, tt.want, editDistance(tt.a, tt.b), "%q %q", tt.a, tt.b)
		assert.Equal(t, tt.want, editDistance(tt.b, tt.a), "%q %q", tt.b, tt.a)
	}
}

func TestFlagUsageError(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"lint --formt json x.sql", "pgsafe: unknown flag --formt: did you mean --format? (see `pgsafe lint --help`)\n"},
		{"fix --wrte x.sql", "pgsafe: unknown flag --wrte: did you mean --write? (see `pgsafe fix --help`)\n"},
		{"fix --unsafe x.sql", "pgsafe: unknown flag --unsafe: did you mean --unsafe-fixes? (see `pgsafe fix --help`)\n"},
		{"lint --zzz x.sql", "pgsafe: unknown flag --zzz (see `pgsafe lint --help`)\n"},
		{"lint -z x.sql", "pgsafe: unknown flag -z (see `pgsafe lint --help`)\n"},
		{"hook install --forse", "pgsafe: unknown flag --forse: did you mean --force? (see `pgsafe hook install --help`)\n"},
		{"--verion", "pgsafe: unknown flag --verion: did you mean --version? (see `pgsafe --help`)\n"},
		// Other flag errors keep the parser's words.
		{"lint --pg-version x y.sql", "pgsafe: invalid value \"x\" for flag -pg-version: parse error (see `pgsafe lint --help`)\n"},
	} {
		code, stdout, stderr := runArgs(t, env{workdir: t.TempDir()}, strings.Fields(tt.args)...)
		assert.Equal(t, exitUsage, code, tt.args)
		assert.Empty(t, stdout, tt.args)
		assert.Equal(t, tt.want, stderr, tt.args)
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"lnt db", "pgsafe: unknown command \"lnt\" for pgsafe: did you mean \"lint\"? (see `pgsafe --help`)\n"},
		{"hook instll", "pgsafe: unknown command \"instll\" for pgsafe hook: did you mean \"install\"? (see `pgsafe hook --help`)\n"},
		{"help fxi", "pgsafe: unknown command \"fxi\" for pgsafe: did you mean \"fix\"? (see `pgsafe --help`)\n"},
		{"help hook instal", "pgsafe: unknown command \"instal\" for pgsafe hook: did you mean \"install\"? (see `pgsafe hook --help`)\n"},
		{"help lint x", "pgsafe: pgsafe lint has no subcommands (see `pgsafe lint --help`)\n"},
		{"deploy", "pgsafe: unknown command \"deploy\" for pgsafe (see `pgsafe --help`)\n"},
	} {
		code, _, stderr := runArgs(t, env{workdir: t.TempDir()}, strings.Fields(tt.args)...)
		assert.Equal(t, exitUsage, code, tt.args)
		assert.Equal(t, tt.want, stderr, tt.args)
	}
}

func TestHelpCommandMatchesHelpFlag(t *testing.T) {
	for _, args := range [][]string{{"lint"}, {"fix"}, {"hook"}, {"hook", "install"}, {"init"}} {
		code, viaCommand, stderr := runArgs(t, env{workdir: t.TempDir()}, append([]string{"help"}, args...)...)
		require.Equal(t, exitOK, code, stderr)
		_, viaFlag, _ := runArgs(t, env{workdir: t.TempDir()}, append(args, "--help")...)
		assert.Equal(t, viaFlag, viaCommand, "pgsafe help %s", strings.Join(args, " "))
		assert.Contains(t, viaCommand, "pgsafe "+strings.Join(args, " ")+" - ")
	}
	_, app, _ := runArgs(t, env{workdir: t.TempDir()}, "help")
	_, appFlag, _ := runArgs(t, env{workdir: t.TempDir()}, "--help")
	assert.Equal(t, appFlag, app)
	assert.Contains(t, app, "COMMANDS:")
}

func TestOutputFileNotWrittenOnUsageError(t *testing.T) {
	dir := t.TempDir()
	e := env{stdin: strings.NewReader("CREATE INDEX i ON t (c);\n"), workdir: dir}
	code, _, stderr := runArgs(t, e, "lint", "--select", "PS999", "--format", "sarif", "--output-file", "out.sarif", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "PS999")
	assert.NoFileExists(t, dir+"/out.sarif")

	// A folder that cannot take the file: exit 2, naming the flag.
	e.stdin = strings.NewReader("CREATE INDEX i ON t (c);\n")
	code, _, stderr = runArgs(t, e, "lint", "--format", "sarif", "--output-file", "missing/out.sarif", "-")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--output-file missing/out.sarif")
}
