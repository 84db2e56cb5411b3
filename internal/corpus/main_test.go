package corpus_test

import (
	"os"
	"testing"

	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// TestMain stops the PostgreSQL cluster that the tests may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
