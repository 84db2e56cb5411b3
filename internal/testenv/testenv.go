// Package testenv says which slow tests run. `go test ./...` runs a fast
// suite; .ci/run sets PGSAFE_HEAVY_TESTS=1, which adds the variants that
// take long (a million seeded rows, the whole corpus fixed twice, the
// pre-commit framework building pgsafe in an environment of its own).
package testenv

import (
	"os"
	"testing"
)

// EnvHeavy names the environment variable that runs the heavy tests.
const EnvHeavy = "PGSAFE_HEAVY_TESTS"

// IsHeavy reports whether the heavy tests run.
func IsHeavy() bool { return os.Getenv(EnvHeavy) == "1" }

// Heavy skips the test unless the heavy tests run; what says what makes it
// slow.
func Heavy(t testing.TB, what string) {
	t.Helper()
	if !IsHeavy() {
		t.Skipf("%s: set %s=1 to run it (.ci/run does)", what, EnvHeavy)
	}
}
