package gitdiff_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/gitdiff"
)

func run(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
}

func write(t *testing.T, path, text string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
}

func TestChanged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git binary")
	}
	dir, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	run(t, dir, "init", "-q")
	write(t, filepath.Join(dir, "db", "001_a.sql"), "SELECT 1;")
	write(t, filepath.Join(dir, "db", "002_b.sql"), "SELECT 2;")
	write(t, filepath.Join(dir, ".gitignore"), "*.tmp\n")
	run(t, dir, "add", ".")
	run(t, dir, "commit", "-qm", "release 1")
	run(t, dir, "tag", "v1")

	write(t, filepath.Join(dir, "db", "002_b.sql"), "SELECT 22;") // changed, not staged
	write(t, filepath.Join(dir, "db", "003_c.sql"), "SELECT 3;")  // committed after the tag
	run(t, dir, "add", "db/003_c.sql")
	run(t, dir, "commit", "-qm", "release 2")
	write(t, filepath.Join(dir, "db", "004_d.sql"), "SELECT 4;") // untracked
	write(t, filepath.Join(dir, "db", "scratch.tmp"), "ignored") // ignored

	got, err := gitdiff.Changed(context.Background(), filepath.Join(dir, "db"), "v1")
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{
		filepath.Join(dir, "db", "002_b.sql"): true,
		filepath.Join(dir, "db", "003_c.sql"): true,
		filepath.Join(dir, "db", "004_d.sql"): true,
	}, got)

	_, err = gitdiff.Changed(context.Background(), dir, "no-such-ref")
	assert.ErrorContains(t, err, "git diff")
	_, err = gitdiff.Changed(context.Background(), t.TempDir(), "v1")
	assert.ErrorContains(t, err, "not a git repository")
}
