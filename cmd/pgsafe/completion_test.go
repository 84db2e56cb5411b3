package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

// completionScript returns what pgsafe completion shell prints, and
// writes it to a file for the shell to read.
func completionScript(t *testing.T, shell string) (script, path string) {
	t.Helper()
	code, stdout, stderr := runArgs(t, env{workdir: t.TempDir()}, "completion", shell)
	require.Equal(t, exitOK, code, stderr)
	path = filepath.Join(t.TempDir(), "pgsafe."+shell)
	require.NoError(t, os.WriteFile(path, []byte(stdout), 0o644))
	return stdout, path
}

// TestCompletionNamesEverything checks that each script offers every
// command, subcommand and flag of the app.
func TestCompletionNamesEverything(t *testing.T) {
	app := newApp(testApp())
	for _, shell := range completionShells() {
		script, _ := completionScript(t, shell)
		var check func(c *cli.Command)
		check = func(c *cli.Command) {
			assert.Contains(t, script, c.Name, "%s completion offers %s", shell, c.Name)
			for _, f := range c.Flags {
				for _, n := range f.Names() {
					word := dashed(n)
					if shell == "fish" { // complete -l NAME, -s N
						word = map[bool]string{true: "-s " + n, false: "-l " + n}[len(n) == 1]
					}
					assert.Contains(t, script, word, "%s completion offers %s %s", shell, c.Name, dashed(n))
				}
			}
			for _, sub := range c.Subcommands {
				check(sub)
			}
		}
		for _, c := range app.Commands {
			check(c)
		}
	}
}

// requireShell skips the test when shell is not installed.
func requireShell(t *testing.T, shell string) string {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Skipf("%s is not installed: only the script's content is checked (TestCompletionNamesEverything)", shell)
	}
	return path
}

func TestCompletionScriptsParse(t *testing.T) {
	for _, shell := range completionShells() {
		t.Run(shell, func(t *testing.T) {
			bin := requireShell(t, shell)
			_, path := completionScript(t, shell)
			out, err := exec.Command(bin, "-n", path).CombinedOutput()
			assert.NoError(t, err, "%s -n: %s", shell, out)
		})
	}
}

// TestBashCompletion runs the bash completion function on partial
// command lines and checks what it offers.
func TestBashCompletion(t *testing.T) {
	bash := requireShell(t, "bash")
	_, path := completionScript(t, "bash")
	for _, tt := range []struct {
		line string // what was typed; a trailing space starts a new word
		want string // COMPREPLY, space-separated
	}{
		{"pgsafe li", "lint"},
		{"pgsafe pl", "plan"},
		{"pgsafe plan --format ", "text json"},
		{"pgsafe plan --ch", "--changed-since"},
		{"pgsafe lint --format ", "text concise json github sarif gitlab"},
		{"pgsafe fix --format ", "text json"},
		{"pgsafe lint db --fa", "--fail-on"},
		{"pgsafe lint --color a", "auto always"},
		{"pgsafe hook ", "install"},
		{"pgsafe hook install --f", "--force"},
		{"pgsafe explain PS00", "PS000 PS001 PS002 PS003 PS004 PS005 PS006 PS007 PS008 PS009"},
		{"pgsafe completion ", "bash zsh fish"},
		{"pgsafe help hoo", "hook"},
		{"pgsafe lint --framework go", "golang-migrate goose"},
		{"pgsafe --ver", "--version"},
		// A file or glob value, and paths: left to bash's file names.
		{"pgsafe lint --config ", ""},
		{"pgsafe lint ", ""},
		{"pgsafe plan ", ""},
	} {
		words := strings.Fields(tt.line)
		if strings.HasSuffix(tt.line, " ") {
			words = append(words, "")
		}
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, bashQuote(w))
		}
		prog := "source " + bashQuote(path) + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_pgsafe\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command(bash, "-c", prog).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Equal(t, tt.want, strings.TrimSpace(string(out)), "%q", tt.line)
	}
}

// TestFishCompletion asks fish what it completes on partial lines.
func TestFishCompletion(t *testing.T) {
	fish := requireShell(t, "fish")
	_, path := completionScript(t, "fish")
	for _, tt := range []struct {
		line string
		want []string // the candidates, without descriptions
	}{
		{"pgsafe lint --format ", []string{"concise", "github", "gitlab", "json", "sarif", "text"}},
		{"pgsafe hook ", []string{"install"}},
		{"pgsafe hook install --", []string{"--force", "--help"}},
		{"pgsafe completion ", []string{"bash", "fish", "zsh"}},
		{"pgsafe fix --fo", []string{"--format"}},
		{"pgsafe plan --format ", []string{"json", "text"}},
	} {
		out, err := exec.Command(fish, "--no-config", "-c", "source "+path+"; complete -C "+fishQuote(tt.line)).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
		assert.ElementsMatch(t, tt.want, got, "%q", tt.line)
	}
}

func TestZshCompletionShape(t *testing.T) {
	script, _ := completionScript(t, "zsh")
	// Autoloaded from $fpath, or sourced.
	assert.True(t, strings.HasPrefix(script, "#compdef pgsafe\n"))
	assert.Contains(t, script, "compdef _pgsafe pgsafe")
	// One function per command, each called from its parent.
	for _, fn := range []string{"_pgsafe_lint", "_pgsafe_hook", "_pgsafe_hook_install", "_pgsafe_explain"} {
		assert.Contains(t, script, fn+"() {")
		assert.Contains(t, script, ") "+fn+" && ret=0")
	}
	for _, spec := range []string{
		// Exclusive names, a description, the values.
		`'(--format -f)'{--format,-f}'[output FORMAT: text, concise, json, github, sarif, gitlab (default: github when GITHUB_ACTIONS=true, else text)]:value:(text concise json github sarif gitlab)'`,
		// A file value.
		`--config'[read settings from FILE instead of the nearest .pgsafe.toml]:file:_files'`,
		// A repeatable flag.
		`'*'--select'[run only these rules (CODE|NAME, repeatable or comma-separated)]:value:(PS000 syntax-error PS001 `,
		// Quotes in descriptions.
		`'(--version -V)'{--version,-V}'[print pgsafe'\''s version`,
		// Positional arguments.
		`'*:argument:(bash zsh fish)'`,
		`'*:path:_files'`,
	} {
		assert.True(t, strings.Contains(script, spec), "the zsh script has %s", spec)
	}
}

func TestCompletionUsage(t *testing.T) {
	code, _, stderr := runArgs(t, env{workdir: t.TempDir()}, "completion")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: completion needs one shell: bash, zsh, fish\n", stderr)
	code, _, stderr = runArgs(t, env{workdir: t.TempDir()}, "completion", "powershell")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: completion: unknown shell \"powershell\": want bash, zsh, fish\n", stderr)
}
