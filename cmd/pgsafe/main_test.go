package main

import (
	"os"
	"testing"

	"github.com/pgsafe/pgsafe/internal/pgtest"
)

// envRunMain makes the test binary run pgsafe itself, with the arguments
// after the program name, for tests that need a process of their own
// (to send it a signal, say).
const envRunMain = "PGSAFE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(envRunMain) == "1" {
		os.Exit(run(append([]string{"pgsafe"}, os.Args[1:]...), os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
