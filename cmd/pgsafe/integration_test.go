package main

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/pgsafe/pgsafe/internal/gittest"
	"github.com/pgsafe/pgsafe/internal/testenv"
)

// These tests run pgsafe as a program, the way the GitHub Action, the
// pre-commit framework and the git hook run it.

// repoRoot returns the absolute path of the repository's root.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

// buildPgsafe returns a folder, to be put on PATH, holding a pgsafe
// program: the test binary, which runs pgsafe's main when envRunMain is
// set (see TestMain), behind a script of that name. Building pgsafe
// itself takes longer than these tests; the action's install script
// builds it for real in TestActionInstallScriptBuildsTheCheckout.
func buildPgsafe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writePgsafe(t, filepath.Join(dir, "pgsafe"))
	return dir
}

// writePgsafe writes, at path, a script that runs the test binary as
// pgsafe.
func writePgsafe(t *testing.T, path string) {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	script := "#!/bin/sh\n" + envRunMain + "=1 exec '" + self + "' \"$@\"\n"
	require.NoError(t, os.WriteFile(path, []byte(script), 0o755))
}

// withPath returns the process's environment with dir first on PATH and
// vars added.
func withPath(dir string, vars ...string) []string {
	return append(append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH")), vars...)
}

// exitCode returns the exit code of a finished command's error.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// writeFiles writes files (slash-separated path, then text) under dir.
func writeFiles(t *testing.T, dir string, pathsAndTexts ...string) {
	t.Helper()
	for i := 0; i < len(pathsAndTexts); i += 2 {
		p := filepath.Join(dir, filepath.FromSlash(pathsAndTexts[i]))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(pathsAndTexts[i+1]), 0o644))
	}
}

// hazardous is a migration with one error (PS001) and no warning, which
// pgsafe fix rewrites into a statement that holds fixedIndex; warnOnly has
// one warning.
const (
	hazardous  = "SET lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n"
	fixedIndex = "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email);\n"
	warnOnly   = "SET lock_timeout = '2s';\nDROP INDEX accounts_email_idx;\n"
)

// actionRun is the outcome of one run of the action's run.sh.
type actionRun struct {
	code            int
	stdout          string
	summary, output string // the files GITHUB_STEP_SUMMARY and GITHUB_OUTPUT name
	runnerTemp      string
}

// runAction runs .github/action/run.sh in a workspace holding the given
// migrations, under a simulated GitHub Actions environment.
func runAction(t *testing.T, bin string, inputs map[string]string, migrations ...string) actionRun {
	t.Helper()
	work, state := t.TempDir(), t.TempDir()
	writeFiles(t, work, append([]string{".pgsafe.toml", "framework = \"psql\"\n"}, migrations...)...)
	r := actionRun{runnerTemp: filepath.Join(state, "runner")}
	require.NoError(t, os.Mkdir(r.runnerTemp, 0o755))
	summary, output := filepath.Join(state, "summary.md"), filepath.Join(state, "output")
	vars := []string{
		"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + work, "RUNNER_TEMP=" + r.runnerTemp,
		"GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + output,
	}
	for k, v := range inputs {
		vars = append(vars, k+"="+v)
	}
	cmd := exec.Command("bash", filepath.Join(repoRoot(t), ".github", "action", "run.sh"))
	cmd.Dir, cmd.Env = work, withPath(bin, vars...)
	out, err := cmd.Output()
	r.code, r.stdout = exitCode(t, err), string(out)
	if b, err := os.ReadFile(summary); err == nil {
		r.summary = string(b)
	}
	if b, err := os.ReadFile(output); err == nil {
		r.output = string(b)
	}
	return r
}

func TestActionRunScript(t *testing.T) {
	bin := buildPgsafe(t)
	migrations := []string{"db/001_index.sql", hazardous, "db/002_drop.sql", warnOnly}

	t.Run("annotations, summary and SARIF", func(t *testing.T) {
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_SARIF": "true", "PGSAFE_ARGS": "--pg-version 16"}, migrations...)
		assert.Equal(t, 1, r.code, "an error at fail-on warning fails the step")
		assert.Contains(t, r.stdout, "::error file=db/001_index.sql,line=2,endLine=2,col=1,endColumn=52,title=PS001 require-concurrent-index::")
		assert.Contains(t, r.stdout, "::warning file=db/002_drop.sql,line=2,")
		assert.Contains(t, r.summary, "## pgsafe\n\n**1 error, 1 warning, 2 hints** in 2 files, 4 statements.")
		assert.Contains(t, r.summary, "\n+"+fixedIndex)
		sarifPath := filepath.Join(r.runnerTemp, "pgsafe.sarif")
		assert.Equal(t, "sarif-file="+sarifPath+"\n", r.output)
		b, err := os.ReadFile(sarifPath)
		require.NoError(t, err)
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID string `json:"ruleId"`
				} `json:"results"`
			} `json:"runs"`
		}
		require.NoError(t, json.Unmarshal(b, &log))
		assert.Equal(t, "2.1.0", log.Version)
		require.Len(t, log.Runs, 1)
		assert.Len(t, log.Runs[0].Results, 4, "an error, a warning, and a statement-timeout hint on each file")
	})

	t.Run("fail-on", func(t *testing.T) {
		assert.Equal(t, 0, runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_FAIL_ON": "never"}, migrations...).code)
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/002_drop.sql", "PGSAFE_FAIL_ON": "error"}, migrations...)
		assert.Equal(t, 0, r.code, "a warning below fail-on error passes")
		assert.Contains(t, r.stdout, "::warning file=db/002_drop.sql,", "and is still annotated")
		assert.Empty(t, r.output, "no SARIF unless asked")
	})

	t.Run("paths on several lines, and globs left to pgsafe", func(t *testing.T) {
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/001_index.sql\n  'db/*_drop.sql'\n", "PGSAFE_FAIL_ON": "never"}, migrations...)
		assert.Equal(t, 2, r.code, "the quotes are part of the name: no such file")
		r = runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/001_index.sql\n  db/*_drop.sql\n", "PGSAFE_FAIL_ON": "never"}, migrations...)
		assert.Equal(t, 0, r.code, r.stdout)
		assert.Contains(t, r.stdout, "in 2 files")
	})

	t.Run("usage errors", func(t *testing.T) {
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "  "}, migrations...)
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stdout, "::error title=pgsafe::the paths input is empty")
		assert.Equal(t, 2, runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_FAIL_ON": "sometimes"}, migrations...).code)
	})

	t.Run("no SARIF file on a usage error", func(t *testing.T) {
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_SARIF": "true", "PGSAFE_ARGS": "--no-such-flag"}, migrations...)
		assert.Equal(t, 2, r.code)
		entries, err := os.ReadDir(r.runnerTemp)
		require.NoError(t, err)
		assert.Empty(t, entries, "not even an empty file")
		assert.Empty(t, r.output, "and no sarif-file output")
		assert.Empty(t, r.stdout, "the step stops at the first run")
	})

	t.Run("SARIF of an input that cannot be read", func(t *testing.T) {
		// pgsafe exits 2 but writes the log, whose invocation records the
		// unreadable input: the file is kept, and the step fails.
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db missing.sql", "PGSAFE_SARIF": "true", "PGSAFE_FAIL_ON": "never"}, migrations...)
		assert.Equal(t, 2, r.code)
		b, err := os.ReadFile(filepath.Join(r.runnerTemp, "pgsafe.sarif"))
		require.NoError(t, err)
		assert.Contains(t, string(b), `"executionSuccessful": false`)
		assert.Equal(t, "sarif-file="+filepath.Join(r.runnerTemp, "pgsafe.sarif")+"\n", r.output)
	})

	t.Run("a job summary that cannot be written", func(t *testing.T) {
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/002_drop.sql", "PGSAFE_FAIL_ON": "error", "GITHUB_STEP_SUMMARY": "db"}, migrations...)
		assert.Equal(t, 0, r.code, "a warning below fail-on passes, summary or not: %s", r.stdout)
		assert.Contains(t, r.stdout, "::warning file=db/002_drop.sql,")
		assert.Contains(t, r.stdout, "::warning title=pgsafe::the job summary was not written to GITHUB_STEP_SUMMARY (db): is a directory\n")
	})

	t.Run("working-directory", func(t *testing.T) {
		nested := []string{"services/api/db/001_index.sql", hazardous}
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_WORKING_DIRECTORY": "services/api", "PGSAFE_SARIF": "true"}, nested...)
		assert.Equal(t, 1, r.code, r.stdout)
		assert.Contains(t, r.stdout, "::error file=services/api/db/001_index.sql,line=2,", "findings are placed from the repository's root")
		assert.Contains(t, r.summary, "in 1 file, 2 statements")
		b, err := os.ReadFile(filepath.Join(r.runnerTemp, "pgsafe.sarif"))
		require.NoError(t, err)
		assert.Contains(t, string(b), `"uri": "services/api/db/001_index.sql"`)

		r = runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db", "PGSAFE_WORKING_DIRECTORY": "services/web"}, nested...)
		assert.Equal(t, 2, r.code)
		assert.Equal(t, "::error title=pgsafe::the working-directory input names no folder: services/web\n", r.stdout)
	})

	t.Run("config", func(t *testing.T) {
		withConfig := append([]string{"ci/pgsafe ci.toml", "framework = \"psql\"\n[severity]\nrequire-concurrent-index = \"hint\"\n"}, migrations...)
		r := runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/001_index.sql", "PGSAFE_CONFIG": "ci/pgsafe ci.toml"}, withConfig...)
		assert.Equal(t, 0, r.code, "the config makes PS001 a hint: %s", r.stdout)
		assert.Contains(t, r.stdout, "::notice file=db/001_index.sql,line=2,")
		r = runAction(t, bin, map[string]string{"PGSAFE_PATHS": "db/001_index.sql", "PGSAFE_CONFIG": "ci/missing.toml"}, withConfig...)
		assert.Equal(t, 2, r.code, "a config that is not there is an error, not the default: %s", r.stdout)
	})
}

// actionOutputs parses a GITHUB_OUTPUT file of name=value lines.
func actionOutputs(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "an output line is name=value: %q", line)
		out[k] = v
	}
	return out
}

// toolsDir returns a folder holding links to the named programs of this
// machine and nothing else, to be the whole PATH of a script.
func toolsDir(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range names {
		p, err := exec.LookPath(name)
		require.NoError(t, err)
		require.NoError(t, os.Symlink(p, filepath.Join(dir, name)))
	}
	return dir
}

// TestActionChoosesGo runs the action's go.sh with the runner's Go played
// by a script that reports a version: the runner's Go builds pgsafe when
// it satisfies go.mod, fetches the toolchain go.mod asks for when it is
// 1.21 or newer, and only otherwise does actions/setup-go put a Go on the
// job's PATH.
func TestActionChoosesGo(t *testing.T) {
	root := repoRoot(t)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	require.NotNil(t, m, "go.mod has a go line")
	want := string(m[1])
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	prefix := fmt.Sprintf("pgsafe-go-Linux-X64-go%s-%x-", want, sha256.Sum256(sum))
	// bash runs the script; it needs dirname and sha256sum besides.
	tools := toolsDir(t, "dirname", "sha256sum")

	choose := func(goVersion string, vars ...string) map[string]string {
		t.Helper()
		state := t.TempDir()
		path := tools
		if goVersion != "" {
			fake := t.TempDir()
			writeFiles(t, fake, "go", "#!/bin/sh\nif [ \"$*\" = \"env GOVERSION\" ]; then echo "+goVersion+"; exit; fi\necho \"unexpected: go $*\" >&2; exit 3\n")
			require.NoError(t, os.Chmod(filepath.Join(fake, "go"), 0o755))
			path = fake + string(os.PathListSeparator) + tools
		}
		bash, err := exec.LookPath("bash")
		require.NoError(t, err)
		cmd := exec.Command(bash, filepath.Join(root, ".github", "action", "go.sh"))
		cmd.Env = append([]string{"PATH=" + path, "GITHUB_OUTPUT=" + filepath.Join(state, "output"),
			"RUNNER_TEMP=" + state, "RUNNER_OS=Linux", "RUNNER_ARCH=X64"}, vars...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return actionOutputs(t, filepath.Join(state, "output"))
	}

	for _, tt := range []struct {
		runner, setup, toolchain string
	}{
		{"go" + want, "false", ""},
		{"go9.0.0", "false", ""},
		{"go1.24.3", "false", "go" + want + "+auto"},
		{"go1.21.0", "false", "go" + want + "+auto"},
		{"go1.21rc2", "true", ""}, // older than 1.21.0, which fetches toolchains
		{"go1.20.14", "true", ""},
		{"devel go1.27-abcdef", "true", ""}, // not a version to compare
		{"", "true", ""},                    // no go on the PATH
	} {
		got := choose(tt.runner, "PGSAFE_REF=v9.9.9")
		assert.Equal(t, map[string]string{
			"go-version": want, "setup": tt.setup, "toolchain": tt.toolchain,
			"cache-key": prefix + "v9.9.9", "restore-key": prefix,
		}, got, "the runner's Go: %q", tt.runner)
	}

	assert.Equal(t, prefix+"local", choose("go" + want)["cache-key"], "a local action (uses: ./) has no ref")
	assert.Equal(t, prefix+"install-v1.2.0", choose("go"+want, "PGSAFE_REF=v9.9.9", "PGSAFE_VERSION=v1.2.0")["cache-key"],
		"the version input names what is built")
	assert.Equal(t, prefix+"a-b", choose("go"+want, "PGSAFE_REF=a,b")["cache-key"], "a key holds no comma")
}

// TestActionInstallScriptBuildsTheCheckout runs the action's install.sh
// with a go that logs how it is run: without a version input it builds
// the checkout that holds the script, never go install, even when the
// ref in the environment names another version (a nested composite
// action); with one it runs go install of that version. Both use the
// action's own caches under RUNNER_TEMP and the toolchain go.sh chose.
// The build is go build itself with PGSAFE_HEAVY_TESTS=1; otherwise the
// logging go writes a pgsafe that runs the test binary.
func TestActionInstallScriptBuildsTheCheckout(t *testing.T) {
	realGo, err := exec.LookPath("go")
	require.NoError(t, err)
	fake := t.TempDir()
	stub := filepath.Join(fake, "pgsafe-stub")
	writePgsafe(t, stub)
	log := filepath.Join(fake, "log")
	script := "#!/bin/sh\n" +
		"echo \"dir=$PWD gocache=$GOCACHE gomodcache=$GOMODCACHE goflags=$GOFLAGS gotoolchain=${GOTOOLCHAIN-} gobin=${GOBIN-} args=$*\" >>'" + log + "'\n" +
		"if [ \"$1\" = install ]; then cp '" + stub + "' \"$GOBIN/pgsafe\"; exit; fi\n"
	if testenv.IsHeavy() {
		script += "exec '" + realGo + "' \"$@\"\n"
	} else {
		script += "if [ \"$1 $2 $3\" = \"build -trimpath -o\" ] && [ \"$5\" = ./cmd/pgsafe ]; then cp '" + stub + "' \"$4\"; exit; fi\nexit 3\n"
	}
	writeFiles(t, fake, "go", script)
	require.NoError(t, os.Chmod(filepath.Join(fake, "go"), 0o755))
	goEnv, err := exec.Command(realGo, "env", "GOMODCACHE", "GOCACHE").Output()
	require.NoError(t, err)
	modCache, buildCache, ok := strings.Cut(strings.TrimSpace(string(goEnv)), "\n")
	require.True(t, ok, "%s", goEnv)

	root := repoRoot(t)
	install := func(vars ...string) (state, logged string) {
		t.Helper()
		require.NoError(t, os.RemoveAll(log))
		state = t.TempDir()
		if testenv.IsHeavy() {
			// As if actions/cache had restored the build cache: the
			// action's is this machine's, so that after the first run
			// here (-trimpath keys do not depend on the temporary
			// folders) the real build takes seconds, not the many
			// minutes of compiling PostgreSQL's parser on a busy machine.
			require.NoError(t, os.MkdirAll(filepath.Join(state, "pgsafe-go"), 0o755))
			require.NoError(t, os.Symlink(buildCache, filepath.Join(state, "pgsafe-go", "build")))
		}
		ghPath := filepath.Join(state, "path")
		cmd := exec.Command("bash", filepath.Join(root, ".github", "action", "install.sh"))
		// The action's module cache starts empty: the real build reads
		// its modules from this machine's module cache, not the network.
		cmd.Env = withPath(fake, append([]string{"RUNNER_TEMP=" + state, "GITHUB_PATH=" + ghPath,
			"GOPROXY=file://" + filepath.ToSlash(filepath.Join(modCache, "cache", "download")),
			"GOFLAGS=", "GOTOOLCHAIN=local"}, vars...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		b, err := os.ReadFile(ghPath)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(state, "pgsafe-bin")+"\n", string(b), "pgsafe's folder goes on the job's PATH")
		rules, err := exec.Command(filepath.Join(state, "pgsafe-bin", "pgsafe"), "rules").Output()
		require.NoError(t, err)
		assert.Contains(t, string(rules), "PS001")
		b, err = os.ReadFile(log)
		require.NoError(t, err)
		return state, string(b)
	}
	caches := func(state string) string {
		c := filepath.Join(state, "pgsafe-go")
		return "gocache=" + filepath.Join(c, "build") + " gomodcache=" + filepath.Join(c, "mod") + " goflags=-modcacherw"
	}

	t.Run("the checkout, whatever the ref", func(t *testing.T) {
		state, logged := install("PGSAFE_VERSION=", "PGSAFE_GOTOOLCHAIN=", "GITHUB_ACTION_REF=v0.0.1-the-outer-action")
		assert.Equal(t, "dir="+root+" "+caches(state)+" gotoolchain=local gobin= args=build -trimpath -o "+filepath.Join(state, "pgsafe-bin", "pgsafe")+" ./cmd/pgsafe\n", logged,
			"one go build of the checkout, with the Go as it is")
		if testenv.IsHeavy() {
			// The modules are where actions/cache keeps them, and
			// writable, so that the runner can empty its temporary folder.
			mods, err := filepath.Glob(filepath.Join(state, "pgsafe-go", "mod", "github.com", "pganalyze", "pg_query_go*"))
			require.NoError(t, err)
			require.NotEmpty(t, mods, "pg_query_go is in the action's module cache")
			info, err := os.Stat(mods[0])
			require.NoError(t, err)
			assert.NotZero(t, info.Mode().Perm()&0o200, "%s is writable", mods[0])
		}
	})

	t.Run("the toolchain go.sh chose", func(t *testing.T) {
		if testenv.IsHeavy() {
			t.Skip("would fetch a toolchain")
		}
		state, logged := install("PGSAFE_GOTOOLCHAIN=go1.26.8+auto")
		assert.Equal(t, "dir="+root+" "+caches(state)+" gotoolchain=go1.26.8+auto gobin= args=build -trimpath -o "+filepath.Join(state, "pgsafe-bin", "pgsafe")+" ./cmd/pgsafe\n", logged)
	})

	t.Run("the version input", func(t *testing.T) {
		state, logged := install("PGSAFE_VERSION=v1.2.0")
		assert.True(t, strings.HasSuffix(logged, " "+caches(state)+" gotoolchain=local gobin="+filepath.Join(state, "pgsafe-bin")+" args=install -trimpath github.com/pgsafe/pgsafe/cmd/pgsafe@v1.2.0\n"), logged)
		assert.Equal(t, 1, strings.Count(logged, "\n"), "go install alone: %s", logged)
	})
}

// TestActionMetadata checks that action.yml and .pre-commit-hooks.yaml
// say what the docs and the scripts expect.
func TestActionMetadata(t *testing.T) {
	root := repoRoot(t)
	type step struct {
		ID   string            `yaml:"id"`
		If   string            `yaml:"if"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		With map[string]string `yaml:"with"`
		Env  map[string]string `yaml:"env"`
	}
	var action struct {
		Inputs  map[string]map[string]any `yaml:"inputs"`
		Outputs map[string]map[string]any `yaml:"outputs"`
		Runs    struct {
			Using string `yaml:"using"`
			Steps []step `yaml:"steps"`
		} `yaml:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &action))
	assert.NotContains(t, string(b), "github.action_path",
		"the scripts find the checkout from their own place: github.action_path names the outer action when composite actions nest")
	assert.Equal(t, "composite", action.Runs.Using)
	for _, in := range []string{"paths", "args", "fail-on", "sarif", "working-directory", "config", "version"} {
		assert.Contains(t, action.Inputs, in)
	}
	assert.Equal(t, "${{ steps.lint.outputs.sarif-file }}", action.Outputs["sarif-file"]["value"])
	require.Len(t, action.Runs.Steps, 5)
	choose, setup, cache, install, lint := action.Runs.Steps[0], action.Runs.Steps[1], action.Runs.Steps[2], action.Runs.Steps[3], action.Runs.Steps[4]

	assert.Equal(t, "go", choose.ID)
	assert.Equal(t, map[string]string{"PGSAFE_REF": "${{ github.action_ref }}", "PGSAFE_VERSION": "${{ inputs.version }}"}, choose.Env)
	assert.Equal(t, "actions/setup-go@v5", setup.Uses)
	assert.Equal(t, "steps.go.outputs.setup == 'true'", setup.If, "setup-go, which changes the job's PATH, only when go.sh asks for it")
	assert.Equal(t, map[string]string{"go-version": "${{ steps.go.outputs.go-version }}", "cache": "false"}, setup.With)
	assert.Equal(t, "actions/cache@v4", cache.Uses)
	assert.Equal(t, map[string]string{
		// install.sh builds with the caches in $RUNNER_TEMP/pgsafe-go.
		"path":         "${{ runner.temp }}/pgsafe-go",
		"key":          "${{ steps.go.outputs.cache-key }}",
		"restore-keys": "${{ steps.go.outputs.restore-key }}",
	}, cache.With)
	assert.Equal(t, map[string]string{"PGSAFE_VERSION": "${{ inputs.version }}", "PGSAFE_GOTOOLCHAIN": "${{ steps.go.outputs.toolchain }}"}, install.Env)
	assert.Equal(t, "lint", lint.ID)
	assert.Equal(t, map[string]string{
		"PGSAFE_WORKING_DIRECTORY": "${{ inputs.working-directory }}",
		"PGSAFE_PATHS":             "${{ inputs.paths }}", "PGSAFE_ARGS": "${{ inputs.args }}", "PGSAFE_CONFIG": "${{ inputs.config }}",
		"PGSAFE_FAIL_ON": "${{ inputs.fail-on }}", "PGSAFE_SARIF": "${{ inputs.sarif }}",
	}, lint.Env)
	for _, step := range []step{choose, install, lint} {
		script := strings.Trim(strings.TrimPrefix(step.Run, `"$GITHUB_ACTION_PATH/`), `"`)
		info, err := os.Stat(filepath.Join(root, script))
		require.NoError(t, err, step.Run)
		assert.NotZero(t, info.Mode().Perm()&0o100, "%s is executable", script)
		text, err := os.ReadFile(filepath.Join(root, script))
		require.NoError(t, err)
		for k := range step.Env {
			assert.Contains(t, string(text), k, "%s reads %s", script, k)
		}
	}
	docs, err := os.ReadFile(filepath.Join(root, "docs", "github-action.md"))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	for in := range action.Inputs {
		assert.True(t, strings.Contains(string(docs), "| `"+in+"` |"), "docs/github-action.md documents the input %s", in)
	}
	_, section, ok := strings.Cut(string(readme), "\n## Use it in CI / pre-commit\n")
	require.True(t, ok, "the README has a section on CI")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, in := range []string{"working-directory", "config", "version"} {
		assert.True(t, strings.Contains(section, "`"+in+"`"), "the README's CI section names the input %s", in)
	}

	var hooks []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		RequireSerial bool   `yaml:"require_serial"`
		MinVersion    string `yaml:"minimum_pre_commit_version"`
	}
	b, err = os.ReadFile(filepath.Join(root, ".pre-commit-hooks.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &hooks))
	require.Len(t, hooks, 2)
	assert.Equal(t, "pgsafe-lint", hooks[0].ID)
	assert.Equal(t, "pgsafe lint", hooks[0].Entry)
	assert.Equal(t, "pgsafe-fix", hooks[1].ID)
	assert.Equal(t, "pgsafe fix --write --check", hooks[1].Entry)
	for _, h := range hooks {
		assert.Equal(t, "golang", h.Language)
		assert.True(t, h.RequireSerial, "%s sees the whole set at once", h.ID)
		// 3.0.0 fetches Go for a golang hook when there is none, as
		// docs/pre-commit.md says.
		assert.Equal(t, "3.0.0", h.MinVersion, h.ID)
		// pre-commit reads files as a Python regular expression; this
		// one means the same in Go's syntax.
		files := regexp.MustCompile(h.Files)
		for name, want := range map[string]bool{
			"db/001.sql": true, "db/V1__Init.SQL": true, "a.Sql": true,
			"db/001.sql.bak": false, "db/sql": false, "notes.sqlx": false,
		} {
			assert.Equal(t, want, files.MatchString(name), "%s files %q on %s", h.ID, h.Files, name)
		}
	}
}

// TestPreCommitManifest checks .pre-commit-hooks.yaml with the framework
// itself, which rejects an unknown type or a regular expression that
// Python cannot compile. (TestPreCommitFramework runs the hooks.)
func TestPreCommitManifest(t *testing.T) {
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pre-commit is not installed (.ci/run installs it): %v", err)
		}
		t.Skipf("pre-commit is not installed (apt-get install pre-commit): %v", err)
	}
	manifest := filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml")
	out, err := exec.Command(preCommit, "validate-manifest", manifest).CombinedOutput()
	assert.NoError(t, err, "%s", out)

	// The check can fail: the same hooks with the files pattern broken.
	b, err := os.ReadFile(manifest)
	require.NoError(t, err)
	broken := filepath.Join(t.TempDir(), ".pre-commit-hooks.yaml")
	require.NoError(t, os.WriteFile(broken, []byte(strings.ReplaceAll(string(b), `files: (?i)\.sql$`, `files: (?i\.sql$`)), 0o644))
	out, err = exec.Command(preCommit, "validate-manifest", broken).CombinedOutput()
	assert.Error(t, err, "%s", out)
	assert.Contains(t, string(out), "is not a valid python regex")
}

// TestGitHookStopsACommit installs the plain hook with pgsafe hook install
// and commits through it with a real pgsafe.
func TestGitHookStopsACommit(t *testing.T) {
	bin := buildPgsafe(t)
	r := gittest.New(t)
	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir, cmd.Env = r.Dir, withPath(bin, gittest.Vars()...)
		out, err := cmd.CombinedOutput()
		t.Logf("git %s:\n%s", strings.Join(args, " "), out)
		return err
	}
	install := exec.Command(filepath.Join(bin, "pgsafe"), "hook", "install")
	install.Dir = r.Dir
	out, err := install.CombinedOutput()
	require.NoError(t, err, "%s", out)

	r.Write(".pgsafe.toml", "framework = \"psql\"\n")
	r.Write("db/001_index.sql", hazardous)
	r.Git("add", "-A")
	require.Error(t, git("commit", "-q", "-m", "index"), "the hazardous migration is stopped")
	assert.Empty(t, r.Git("log", "--oneline", "--all"), "nothing committed")

	fix := exec.Command(filepath.Join(bin, "pgsafe"), "fix", "--write", "db")
	fix.Dir = r.Dir
	out, err = fix.CombinedOutput()
	require.NoError(t, err, "%s", out)
	b, err := os.ReadFile(filepath.Join(r.Dir, "db", "001_index.sql"))
	require.NoError(t, err)
	require.Contains(t, string(b), fixedIndex)
	r.Git("add", "-A")
	require.NoError(t, git("commit", "-q", "-m", "index"), "the fixed one passes")
}

// TestPreCommitFramework runs this repository's hooks with the pre-commit
// framework (Debian's pre-commit package) through pre-commit try-repo,
// which builds pgsafe with go install from a commit of the current tree.
func TestPreCommitFramework(t *testing.T) {
	testenv.Heavy(t, "builds pgsafe in a pre-commit environment of its own, three minutes")
	preCommit, err := exec.LookPath("pre-commit")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pre-commit is not installed (.ci/run installs it): %v", err)
		}
		t.Skipf("pre-commit is not installed (apt-get install pre-commit): %v", err)
	}
	hooks := committedCopy(t, repoRoot(t))
	modCache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	require.NoError(t, err)
	target := gittest.New(t)
	// One pre-commit home for all runs, so that pgsafe is built once; the
	// module cache of this machine, so that the build needs no network.
	vars := []string{"PRE_COMMIT_HOME=" + t.TempDir(), "GOMODCACHE=" + strings.TrimSpace(string(modCache))}
	try := func(hook string, files ...string) (int, string) {
		cmd := exec.Command(preCommit, append([]string{"try-repo", hooks, hook, "--files"}, files...)...)
		cmd.Dir, cmd.Env = target.Dir, append(gittest.Env(), vars...)
		out, err := cmd.CombinedOutput()
		t.Logf("pre-commit try-repo %s:\n%s", hook, out)
		return exitCode(t, err), string(out)
	}

	// A file named in capitals is SQL too (files: (?i)\.sql$); a file
	// that is not SQL is left out.
	upper := "SET lock_timeout = '2s';\nCREATE INDEX accounts_plan_idx ON accounts (plan);\n"
	target.Write(".pgsafe.toml", "framework = \"psql\"\n")
	target.Write("db/001_index.sql", hazardous)
	target.Write("db/002_PLAN.SQL", upper)
	target.Write("db/notes.sql.txt", hazardous)
	target.Git("add", "-A")
	files := []string{"db/001_index.sql", "db/002_PLAN.SQL", "db/notes.sql.txt"}
	code, out := try("pgsafe-lint", files...)
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "pgsafe lint")
	assert.Contains(t, out, "db/001_index.sql:2:1: error[PS001] require-concurrent-index")
	assert.Contains(t, out, "db/002_PLAN.SQL:2:1: error[PS001] require-concurrent-index")
	assert.NotContains(t, out, "notes.sql.txt")

	code, out = try("pgsafe-fix", files...)
	assert.Equal(t, 1, code, "a hook that rewrites files fails, so that the rewrite is staged: %s", out)
	assert.Contains(t, out, "files were modified by this hook")
	b, err := os.ReadFile(filepath.Join(target.Dir, "db", "001_index.sql"))
	require.NoError(t, err)
	assert.Contains(t, string(b), fixedIndex)
	b, err = os.ReadFile(filepath.Join(target.Dir, "db", "002_PLAN.SQL"))
	require.NoError(t, err)
	assert.Contains(t, string(b), "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_plan_idx ON accounts (plan);\n")
	b, err = os.ReadFile(filepath.Join(target.Dir, "db", "notes.sql.txt"))
	require.NoError(t, err)
	assert.Equal(t, hazardous, string(b), "not SQL: not rewritten")

	target.Git("add", "-A")
	code, out = try("pgsafe-lint", files...)
	assert.Equal(t, 0, code, out)
	code, out = try("pgsafe-fix", files...)
	assert.Equal(t, 0, code, out)
}

// committedCopy copies the files of the work tree at root that git would
// commit (tracked or untracked, not ignored, as they are on disk) into a
// new repository, commits them there, and returns its path: pre-commit
// try-repo reads the hooks from a commit.
func committedCopy(t *testing.T, root string) string {
	t.Helper()
	gittest.Require(t)
	list := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	list.Dir = root
	out, err := list.Output()
	require.NoError(t, err)
	copyRepo := gittest.New(t)
	for _, rel := range strings.Split(string(out), "\x00") {
		if rel == "" {
			continue
		}
		src := filepath.Join(root, rel)
		info, err := os.Stat(src)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the work tree
		}
		require.NoError(t, err)
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		dst := filepath.Join(copyRepo.Dir, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, b, info.Mode().Perm()))
	}
	copyRepo.Commit("the work tree under test")
	return copyRepo.Dir
}
