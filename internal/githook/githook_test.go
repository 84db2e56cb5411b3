package githook_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/githook"
	"github.com/pgsafe/pgsafe/internal/gittest"
)

func TestInstall(t *testing.T) {
	r := gittest.New(t)
	path, err := githook.Install(context.Background(), r.Dir, false)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(r.Dir, ".git", "hooks", "pre-commit"), path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, githook.Script, string(b))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm())

	_, err = githook.Install(context.Background(), r.Dir, false)
	assert.NoError(t, err, "installing the same hook again changes nothing")
}

func TestInstallKeepsAnotherHook(t *testing.T) {
	r := gittest.New(t)
	theirs := filepath.Join(r.Dir, ".git", "hooks", "pre-commit")
	require.NoError(t, os.WriteFile(theirs, []byte("#!/bin/sh\nexit 0\n"), 0o644))

	_, err := githook.Install(context.Background(), r.Dir, false)
	require.ErrorIs(t, err, githook.ErrExists)
	b, err := os.ReadFile(theirs)
	require.NoError(t, err)
	assert.Equal(t, "#!/bin/sh\nexit 0\n", string(b), "left alone")

	_, err = githook.Install(context.Background(), r.Dir, true)
	require.NoError(t, err)
	b, err = os.ReadFile(theirs)
	require.NoError(t, err)
	assert.Equal(t, githook.Script, string(b))
	info, err := os.Stat(theirs)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o755), info.Mode().Perm(), "executable even when the old hook was not")
}

func TestInstallFollowsHooksPathAndSubfolders(t *testing.T) {
	r := gittest.New(t)
	r.Git("config", "core.hooksPath", "tools/hooks")
	r.Write("db/keep", "")
	path, err := githook.Install(context.Background(), filepath.Join(r.Dir, "db"), false)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(r.Dir, "tools", "hooks", "pre-commit"), path)
	assert.FileExists(t, path)
}

func TestInstallOutsideARepository(t *testing.T) {
	gittest.Require(t)
	_, err := githook.Install(context.Background(), t.TempDir(), false)
	assert.ErrorContains(t, err, "git rev-parse")
}

// TestHookRunsPgsafeOnStagedSQL commits through the installed hook with a
// stand-in for pgsafe (named by PGSAFE) that records its arguments and
// fails when the file named STOP is staged.
func TestHookRunsPgsafeOnStagedSQL(t *testing.T) {
	r := gittest.New(t)
	_, err := githook.Install(context.Background(), r.Dir, false)
	require.NoError(t, err)
	bin := t.TempDir()
	argsFile := filepath.Join(bin, "args")
	fake := filepath.Join(bin, "fake-pgsafe")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done >> '"+argsFile+"'\n"+
		"for a in \"$@\"; do case \"$a\" in *STOP*) exit 1;; esac; done\nexit 0\n"), 0o755))
	t.Setenv("PGSAFE", fake)
	commit := func() error {
		cmd := exec.Command("git", "commit", "-q", "-m", "x")
		cmd.Dir, cmd.Env = r.Dir, gittest.Env()
		out, err := cmd.CombinedOutput()
		t.Log(string(out))
		return err
	}
	calls := func() []string {
		b, err := os.ReadFile(argsFile)
		if os.IsNotExist(err) {
			return nil
		}
		require.NoError(t, err)
		_ = os.Remove(argsFile)
		return strings.Fields(strings.ReplaceAll(string(b), " ", "_"))
	}

	r.Write("README.md", "hello\n")
	r.Git("add", "-A")
	require.NoError(t, commit())
	assert.Empty(t, calls(), "no SQL staged: pgsafe is not run")

	r.Write("db/1 a.sql", "SELECT 1;\n")
	r.Write("db/2.SQL", "SELECT 2;\n")
	r.Write("db/unstaged.sql", "SELECT 3;\n")
	r.Git("add", "db/1 a.sql", "db/2.SQL")
	require.NoError(t, commit())
	assert.Equal(t, []string{"lint", "db/1_a.sql", "db/2.SQL"}, calls(), "the staged SQL files, spaces and case included")

	r.Write("db/STOP.sql", "SELECT 4;\n")
	r.Git("add", "db/STOP.sql")
	assert.Error(t, commit(), "pgsafe's failure stops the commit")
	assert.Equal(t, []string{"lint", "db/STOP.sql"}, calls())

	r.Git("reset", "-q")
	r.Git("rm", "-q", "db/2.SQL")
	require.NoError(t, commit())
	assert.Empty(t, calls(), "deleted files are not linted")
}
