// Package gittest gives tests real git repositories in temporary folders.
// Tests that need git skip with a message when it is not installed,
// except under CI=true, where that is a failure.
package gittest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a git repository in a temporary folder.
type Repo struct {
	t   testing.TB
	Dir string // the work tree's root
}

// Require skips t, or fails it under CI=true, when the git binary is
// missing.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git is not installed: %v", err)
		}
		t.Skipf("git is not installed: %v", err)
	}
}

// New initialises an empty repository whose first branch is main.
func New(t testing.TB) *Repo {
	t.Helper()
	Require(t)
	r := &Repo{t: t, Dir: t.TempDir()}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Clone clones the repository at src (a path or URL) into a temporary
// folder, with extra arguments for git clone such as --depth.
func Clone(t testing.TB, src string, args ...string) *Repo {
	t.Helper()
	Require(t)
	r := &Repo{t: t, Dir: filepath.Join(t.TempDir(), "clone")}
	run(t, "", append(append([]string{"clone", "-q"}, args...), src, r.Dir)...)
	return r
}

// Vars are the environment variables that git runs with in these tests:
// no user or system configuration, and a fixed author.
func Vars() []string {
	return []string{
		"GIT_CONFIG_GLOBAL=" + os.DevNull, "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=pgsafe test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=pgsafe test", "GIT_COMMITTER_EMAIL=test@example.com",
	}
}

// Env returns the process's environment with Vars added.
func Env() []string {
	return append(os.Environ(), Vars()...)
}

// Git runs git with args in the repository and returns its trimmed
// standard output; a failure fails the test.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	return run(r.t, r.Dir, args...)
}

// run runs git with args in dir ("" for the process's working directory).
func run(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = Env()
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// Write writes text to the file at the slash-separated path relative to
// the work tree, creating folders as needed.
func (r *Repo) Write(path, text string) {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(path))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// Commit stages everything and commits it with message.
func (r *Repo) Commit(message string) {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "-m", message)
}
