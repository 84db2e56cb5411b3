// Package corpustest finds the real-world SQL corpora that tests run on.
// They live in shared/corpus beside the checkout (or in the folder that
// PGSAFE_CORPUS names); without them, tests skip with a message, except
// under CI=true, where that is a failure.
package corpustest

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvDir names the environment variable that overrides where the corpora are.
const EnvDir = "PGSAFE_CORPUS"

// Dir returns the folder of corpus name (as in "ory__hydra"), searching
// shared/corpus in the working directory's parents.
func Dir(t testing.TB, name string) string {
	t.Helper()
	if d := os.Getenv(EnvDir); d != "" {
		return filepath.Join(d, name)
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "corpus", name)
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	msg := "corpus " + name + " not found: set " + EnvDir + " or check out shared/ beside the repository"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}
