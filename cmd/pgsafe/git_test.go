package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/githook"
	"github.com/pgsafe/pgsafe/internal/gittest"
)

// runIn runs pgsafe with args in dir (its working directory, as for a
// real run), with the environment variables in vars only, and returns its
// exit code, stdout and stderr.
func runIn(t *testing.T, dir string, vars map[string]string, args ...string) (int, string, string) {
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	code := runEnv(context.Background(), append([]string{"pgsafe"}, args...), env{
		stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		getenv:     func(k string) string { return vars[k] },
		workdir:    dir,
		isTerminal: func(io.Writer) bool { return false },
	})
	return code, stdout.String(), stderr.String()
}

// partitionedRepo returns a repository whose main branch creates the
// partitioned table events and indexes it the blocking way (an old
// finding), and whose branch feature, checked out, indexes it again (a new
// finding) with an untracked migration beside it.
func partitionedRepo(t *testing.T) *gittest.Repo {
	r := gittest.New(t)
	r.Write(".pgsafe.toml", "framework = \"psql\"\n")
	r.Write("db/001_events.sql", "CREATE TABLE events (id bigint, at timestamptz) PARTITION BY RANGE (at);\n")
	r.Write("db/002_events_id.sql", "SET lock_timeout = '2s';\nCREATE INDEX events_id_idx ON events (id);\n")
	r.Commit("events")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("db/003_events_at.sql", "SET lock_timeout = '2s';\nCREATE INDEX events_at_idx ON events (at);\n")
	r.Commit("index events.at")
	r.Write("db/004_accounts.sql", "SET lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n")
	return r
}

func TestLintChangedSince(t *testing.T) {
	r := partitionedRepo(t)
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	code, out, stderr := runIn(t, r.Dir, vars, "lint", "--changed-since", "main", "db")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, stderr)
	assert.NotContains(t, out, "002_events_id.sql", "unchanged since main: not reported")
	assert.Contains(t, out, "db/003_events_at.sql:2:31: error[PS002] index-on-partitioned-table",
		"the unchanged 001 still tells that events is partitioned")
	assert.Contains(t, out, "db/004_accounts.sql:2:1: error[PS001]", "untracked files count as changed")
	assert.True(t, strings.HasSuffix(out, "pgsafe: in 4 files, 7 statements: 2 errors, 0 warnings, 2 hints\n"), out)

	// Without the earlier files, the same migration looks like an
	// ordinary table's index.
	_, alone, _ := runIn(t, r.Dir, vars, "lint", "db/003_events_at.sql")
	assert.Contains(t, alone, "error[PS001] require-concurrent-index")
	assert.NotContains(t, alone, "PS002")

	// From a subfolder, paths are taken from there.
	code, out, _ = runIn(t, filepath.Join(r.Dir, "db"), vars, "lint", "--changed-since", "main", "--format", "gitlab", ".")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, `"path": "003_events_at.sql"`)
	assert.NotContains(t, out, "002_events_id")

	// Nothing changed since HEAD but the untracked file.
	r.Git("add", "-A")
	r.Git("commit", "-q", "-m", "accounts")
	code, out, _ = runIn(t, r.Dir, vars, "lint", "--changed-since", "HEAD", "db")
	assert.Equal(t, exitOK, code, out)
}

func TestLintChangedSinceErrors(t *testing.T) {
	r := partitionedRepo(t)
	code, out, stderr := runIn(t, r.Dir, nil, "lint", "--changed-since", "nope", "db")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, out)
	assert.Contains(t, stderr, `pgsafe: --changed-since: "nope" is not a commit in `)

	code, _, stderr = runIn(t, t.TempDir(), nil, "lint", "--changed-since", "main", ".")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "not a git repository")
}

func TestBaselineSurvivesEditsInGit(t *testing.T) {
	r := partitionedRepo(t)
	code, out, stderr := runIn(t, r.Dir, nil, "baseline", "db")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "pgsafe baseline: recorded 6 findings in .pgsafe-baseline.json; lint --baseline .pgsafe-baseline.json reports only new ones\n", out)
	r.Commit("baseline")

	// Someone edits an old migration around its finding and adds a new one.
	r.Write("db/002_events_id.sql", "-- events are read by id\nSET lock_timeout = '2s';\n\nCREATE INDEX events_id_idx\n    ON events (id);\n")
	r.Write("db/005_accounts_name.sql", "SET lock_timeout = '2s';\nCREATE INDEX accounts_name_idx ON accounts (name);\n")
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	code, out, _ = runIn(t, filepath.Join(r.Dir, "db"), vars, "lint", "--baseline", "../.pgsafe-baseline.json", ".")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "005_accounts_name.sql:2:1: error[PS001]")
	assert.Equal(t, 1, strings.Count(out, "error["), out)
	assert.True(t, strings.HasSuffix(out, "1 error, 0 warnings, 1 hint; 6 more in the baseline\n"), out)

	// With both: only new findings in changed files.
	code, out, _ = runIn(t, r.Dir, vars, "lint", "--baseline", ".pgsafe-baseline.json", "--changed-since", "HEAD", "--format", "json", "db")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, `"file": "db/005_accounts_name.sql"`)
	assert.Contains(t, out, `"baselined": 2`, "002 changed, and its two findings (PS002 and the hint PS049) are known; 003 and 004 are not changed since HEAD")
}

func TestHookInstallCommand(t *testing.T) {
	r := gittest.New(t)
	code, out, stderr := runIn(t, r.Dir, nil, "hook", "install")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "pgsafe: installed .git/hooks/pre-commit; commits that add or change .sql files now run pgsafe lint on them\n", out)
	hook := filepath.Join(r.Dir, ".git", "hooks", "pre-commit")
	b, err := os.ReadFile(hook)
	require.NoError(t, err)
	assert.Equal(t, githook.Script, string(b))

	require.NoError(t, os.WriteFile(hook, []byte("#!/bin/sh\nmake check\n"), 0o755))
	code, _, stderr = runIn(t, r.Dir, nil, "hook", "install")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "pgsafe: .git/hooks/pre-commit already exists; pass --force to replace it (or call pgsafe lint from it yourself)\n", stderr)
	b, err = os.ReadFile(hook)
	require.NoError(t, err)
	assert.Equal(t, "#!/bin/sh\nmake check\n", string(b), "the other hook is kept")

	code, _, stderr = runIn(t, r.Dir, nil, "hook", "install", "--force")
	assert.Equal(t, exitOK, code, stderr)
	b, err = os.ReadFile(hook)
	require.NoError(t, err)
	assert.Equal(t, githook.Script, string(b))

	code, _, stderr = runIn(t, t.TempDir(), nil, "hook", "install")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "not a git repository")
}

func TestCIOptions(t *testing.T) {
	for _, tt := range []struct{ root, workdir, want, wantRoot string }{
		{"", "/w/repo/svc", "", ""},
		{"/w/repo", "/w/repo", "", "/w/repo"},
		{"/w/repo/", "/w/repo/services/api", "services/api/", "/w/repo"},
		{"/w/repo", "/w/other", "", "/w/repo"},
		{"/w/repo", "/w", "", "/w/repo"},
		{"relative/repo", "/w/repo", "", ""},
	} {
		e := env{workdir: tt.workdir, version: "v9", getenv: func(k string) string {
			if k == "GITHUB_WORKSPACE" {
				return tt.root
			}
			return ""
		}}
		opts := ciOptions(e, "GITHUB_WORKSPACE")
		assert.Equal(t, tt.want, opts.PathPrefix, "%s under %q", tt.workdir, tt.root)
		assert.Equal(t, filepath.FromSlash(tt.wantRoot), opts.Root, "%s under %q", tt.workdir, tt.root)
		assert.Equal(t, "v9", opts.ToolVersion)
	}
}

// TestGitLabPathsFromTheProjectDir lints migrations named by absolute
// paths, as a GitLab job does with "$CI_PROJECT_DIR/db": the report names
// them from the project's root, and one outside it keeps its path.
func TestGitLabPathsFromTheProjectDir(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	writeFiles(t, root, ".pgsafe.toml", "framework = \"psql\"\n", "db/001_index.sql", hazardous)
	writeFiles(t, other, "002_index.sql", hazardous)
	code, stdout, stderr := runIn(t, filepath.Join(root, "db"), map[string]string{"CI_PROJECT_DIR": root},
		"lint", "--format", "gitlab", "--config", filepath.Join(root, ".pgsafe.toml"),
		filepath.Join(root, "db", "001_index.sql"), filepath.Join(other, "002_index.sql"))
	assert.Equal(t, exitFindings, code, stderr)
	var issues []struct {
		Location struct {
			Path string `json:"path"`
		} `json:"location"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &issues), stdout)
	var paths []string
	for _, is := range issues {
		if !slices.Contains(paths, is.Location.Path) {
			paths = append(paths, is.Location.Path)
		}
	}
	assert.ElementsMatch(t, []string{"db/001_index.sql", filepath.ToSlash(filepath.Join(other, "002_index.sql"))}, paths)
}

func TestFixChangedSince(t *testing.T) {
	r := gittest.New(t)
	r.Write(".pgsafe.toml", "framework = \"psql\"\n")
	r.Write("db/001_accounts.sql", "CREATE TABLE accounts (id bigint, email text, plan text);\n")
	r.Write("db/002_email.sql", "SET lock_timeout = '2s';\nCREATE INDEX accounts_email_idx ON accounts (email);\n")
	r.Commit("accounts")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("db/003_plan.sql", "SET lock_timeout = '2s';\nCREATE INDEX accounts_plan_idx ON accounts (plan);\n")
	r.Commit("index accounts.plan")
	code, out, stderr := runIn(t, r.Dir, nil, "fix", "--changed-since", "main", "db")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Contains(t, out, "b/db/003_plan.sql", "a file changed since main is fixed")
	assert.NotContains(t, out, "b/db/002_email.sql", "a file unchanged since main is left alone")
	code, out, _ = runIn(t, r.Dir, nil, "fix", "db")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, "b/db/002_email.sql", "without --changed-since every file is fixed")
}

// TestChangedSinceIsOneRelease checks that the migrations changed since
// the ref ship as one release window: a copy in one and the drop of its
// source in the next is a move done in one release, while the same two
// steps already on the base branch are not reported. An application
// query that the pending drop breaks is reported although its file did
// not change.
func TestChangedSinceIsOneRelease(t *testing.T) {
	r := gittest.New(t)
	r.Write("db/001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, email text, bio text);\n")
	r.Write("db/002_expand.sql", "ALTER TABLE users ADD COLUMN mail text;\nUPDATE users SET mail = email;\n")
	r.Write("db/003_contract.sql", "ALTER TABLE users DROP COLUMN email;\n")
	r.Write("q/users.sql", "SELECT * FROM users;\n")
	r.Commit("moved in two releases")
	r.Git("checkout", "-q", "-b", "feature")
	r.Write("db/004_expand.sql", "CREATE TABLE profiles (user_id bigint, bio text);\nINSERT INTO profiles (user_id, bio) SELECT id, bio FROM users;\n")
	r.Write("db/005_contract.sql", "ALTER TABLE users DROP COLUMN bio;\n")

	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	code, out, stderr := runIn(t, r.Dir, vars, "lint", "--select", "contract-before-expand,select-star-in-query", "--queries", "q/*.sql", "--changed-since", "main", "db")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, stderr)
	assert.Contains(t, out, "db/005_contract.sql:1:1: error[PS054] contract-before-expand: contract before expand: drops column users.bio after db/004_expand.sql:2 copied its values into profiles.bio")
	assert.NotContains(t, out, "003_contract.sql", "the earlier move spans two releases that are both deployed")
	assert.Contains(t, out, "q/users.sql:1:8: warning[PS052] select-star-in-query")
	assert.Contains(t, out, "a pending migration changes them: db/005_contract.sql:1 drops column users.bio")

	// Without --changed-since, each migration is its own window.
	_, out, _ = runIn(t, r.Dir, vars, "lint", "--select", "contract-before-expand", "db")
	assert.NotContains(t, out, "PS054")
}

// TestChangedSinceFromConfig checks that the config's changed-since key
// sets the window as the flag does.
func TestChangedSinceFromConfig(t *testing.T) {
	r := partitionedRepo(t)
	r.Write(".pgsafe.toml", "changed-since = \"main\"\n")
	vars := map[string]string{"PGSAFE_NO_TIMING": "1"}
	code, out, stderr := runIn(t, r.Dir, vars, "lint", "db")
	assert.Equal(t, exitFindings, code)
	assert.Empty(t, stderr)
	assert.NotContains(t, out, "002_events_id.sql", "unchanged since main: not reported")
	assert.Contains(t, out, "db/004_accounts.sql:2:1: error[PS001]")
}
