package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
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
}

// TestActionInstallScriptBuildsTheCheckout runs the action's install
// script where go install fails, as for a ref the module proxy cannot
// serve, and where there is no ref: both build the checkout. The build is
// go build itself with PGSAFE_HEAVY_TESTS=1; otherwise a go build that
// writes a pgsafe running the test binary, which tests the script alone.
func TestActionInstallScriptBuildsTheCheckout(t *testing.T) {
	realGo, err := exec.LookPath("go")
	require.NoError(t, err)
	fake := t.TempDir()
	build := "exec '" + realGo + "' \"$@\""
	if !testenv.IsHeavy() {
		stub := filepath.Join(fake, "pgsafe-stub")
		writePgsafe(t, stub)
		// go build -o OUT ./cmd/pgsafe: copy the stub to OUT.
		build = "if [ \"$1\" = build ] && [ \"$2\" = -o ] && [ \"$4\" = ./cmd/pgsafe ]; then cp '" + stub + "' \"$3\"; exit; fi\n" + build
	}
	writeFiles(t, fake, "go", "#!/bin/sh\nif [ \"$1\" = install ]; then echo \"go install $*: not served\" >&2; exit 1; fi\n"+build+"\n")
	require.NoError(t, os.Chmod(filepath.Join(fake, "go"), 0o755))
	for _, ref := range []string{"v0.0.0-unserved", ""} {
		state := t.TempDir()
		ghPath := filepath.Join(state, "path")
		cmd := exec.Command("bash", filepath.Join(repoRoot(t), ".github", "action", "install.sh"))
		cmd.Env = withPath(fake, "RUNNER_TEMP="+state, "GITHUB_PATH="+ghPath, "PGSAFE_REF="+ref, "PGSAFE_SOURCE="+repoRoot(t))
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "pgsafe: building github.com/pgsafe/pgsafe/cmd/pgsafe from "+repoRoot(t))
		b, err := os.ReadFile(ghPath)
		require.NoError(t, err)
		bin := strings.TrimSpace(string(b))
		assert.Equal(t, filepath.Join(state, "pgsafe-bin"), bin)
		rules, err := exec.Command(filepath.Join(bin, "pgsafe"), "rules").Output()
		require.NoError(t, err)
		assert.Contains(t, string(rules), "PS001")
	}
}

// TestActionMetadata checks that action.yml and .pre-commit-hooks.yaml
// say what the docs and the scripts expect.
func TestActionMetadata(t *testing.T) {
	root := repoRoot(t)
	var action struct {
		Inputs  map[string]map[string]any `yaml:"inputs"`
		Outputs map[string]map[string]any `yaml:"outputs"`
		Runs    struct {
			Using string `yaml:"using"`
			Steps []struct {
				Uses string            `yaml:"uses"`
				Run  string            `yaml:"run"`
				With map[string]string `yaml:"with"`
				Env  map[string]string `yaml:"env"`
			} `yaml:"steps"`
		} `yaml:"runs"`
	}
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &action))
	assert.Equal(t, "composite", action.Runs.Using)
	for _, in := range []string{"paths", "args", "fail-on", "sarif"} {
		assert.Contains(t, action.Inputs, in)
	}
	assert.Equal(t, "${{ steps.lint.outputs.sarif-file }}", action.Outputs["sarif-file"]["value"])
	require.Len(t, action.Runs.Steps, 3)
	assert.Equal(t, "actions/setup-go@v5", action.Runs.Steps[0].Uses)
	assert.Equal(t, "${{ github.action_ref }}", action.Runs.Steps[1].Env["PGSAFE_REF"])
	for _, step := range action.Runs.Steps[1:] {
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
	lint := action.Runs.Steps[2].Env
	assert.Equal(t, map[string]string{
		"PGSAFE_PATHS": "${{ inputs.paths }}", "PGSAFE_ARGS": "${{ inputs.args }}",
		"PGSAFE_FAIL_ON": "${{ inputs.fail-on }}", "PGSAFE_SARIF": "${{ inputs.sarif }}",
	}, lint)

	var hooks []struct {
		ID            string `yaml:"id"`
		Entry         string `yaml:"entry"`
		Language      string `yaml:"language"`
		Files         string `yaml:"files"`
		RequireSerial bool   `yaml:"require_serial"`
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
		assert.Equal(t, `\.sql$`, h.Files)
		assert.True(t, h.RequireSerial, "%s sees the whole set at once", h.ID)
	}
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

	target.Write(".pgsafe.toml", "framework = \"psql\"\n")
	target.Write("db/001_index.sql", hazardous)
	target.Git("add", "-A")
	code, out := try("pgsafe-lint", "db/001_index.sql")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "pgsafe lint")
	assert.Contains(t, out, "db/001_index.sql:2:1: error[PS001] require-concurrent-index")

	code, out = try("pgsafe-fix", "db/001_index.sql")
	assert.Equal(t, 1, code, "a hook that rewrites files fails, so that the rewrite is staged: %s", out)
	assert.Contains(t, out, "files were modified by this hook")
	b, err := os.ReadFile(filepath.Join(target.Dir, "db", "001_index.sql"))
	require.NoError(t, err)
	assert.Contains(t, string(b), fixedIndex)

	target.Git("add", "-A")
	code, out = try("pgsafe-lint", "db/001_index.sql")
	assert.Equal(t, 0, code, out)
	code, out = try("pgsafe-fix", "db/001_index.sql")
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
