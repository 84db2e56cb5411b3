package rules_test

import (
	"os"
	"testing"

	"github.com/pgsafe/pgsafe/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
