package editors

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pgsafe/pgsafe/internal/testenv"
)

// requireProgram returns the path of the program name for a heavy test:
// it skips the test unless the heavy tests run, and fails it when they run
// (CI) and name is not installed, as .ci/run installs it.
func requireProgram(t *testing.T, name, what string) string {
	t.Helper()
	testenv.Heavy(t, what)
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed; %s=1 (CI) needs it: .ci/run installs it", name, testenv.EnvHeavy)
	}
	return path
}

// repoRoot returns the absolute path of the repository's root.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

var (
	buildOnce sync.Once
	builtDir  string
	builtPath string
	buildErr  error
	buildOut  []byte
)

// pgsafeProgram builds pgsafe from this checkout once for the test run and
// returns the program's path.
func pgsafeProgram(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		builtDir, buildErr = os.MkdirTemp("", "pgsafe-editors-")
		if buildErr != nil {
			return
		}
		builtPath = filepath.Join(builtDir, "pgsafe")
		cmd := exec.Command("go", "build", "-o", builtPath, "./cmd/pgsafe")
		cmd.Dir = repoRoot(t)
		buildOut, buildErr = cmd.CombinedOutput()
	})
	require.NoError(t, buildErr, "go build ./cmd/pgsafe: %s", buildOut)
	return builtPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
	os.Exit(code)
}
